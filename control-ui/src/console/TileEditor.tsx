import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TileSchema, type Tile } from '@county/shared';

type Mode = 'page' | 'text';

/**
 * Puts a non-video tile on a console tile: an intranet page (the server refuses hosts not in
 * WALL_PAGE_HOSTS; the console shows its translated refusal) or a notice text.
 */
export function TileEditor({ tile, onSet }: { tile: Tile; onSet: (tile: Tile) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<Mode>();
  const [invalid, setInvalid] = useState<string>();
  const [busy, setBusy] = useState(false);

  const open = (m: Mode) => {
    setInvalid(undefined);
    setMode(m);
  };
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const candidate = mode === 'page' ? { url: String(data.get('url') ?? '').trim() } : { text: String(data.get('text') ?? '') };
    const parsed = TileSchema.safeParse(candidate);
    if (!parsed.success || !parsed.data) return setInvalid(t(mode === 'page' ? 'tileEditor.invalidUrl' : 'tileEditor.invalidText'));
    setBusy(true);
    void onSet(parsed.data).then((ok) => {
      setBusy(false);
      if (ok) setMode(undefined);
    });
  };

  return (
    // Clicks here edit this tile; they must not also assign the camera selected in the tree.
    <div className="tile-editor" onClick={(e) => e.stopPropagation()}>
      {!mode && (
        <div className="tile-editor__buttons">
          <button type="button" data-action="set-page" onClick={() => open('page')}>
            {t('tileEditor.setPage')}
          </button>
          <button type="button" data-action="set-text" onClick={() => open('text')}>
            {t('tileEditor.setText')}
          </button>
        </div>
      )}
      {mode && (
        <form className="tile-editor__form" data-mode={mode} onSubmit={submit}>
          {mode === 'page' ? (
            <label>
              {t('tileEditor.url')}
              <input
                name="url"
                type="url"
                inputMode="url"
                required
                autoFocus
                placeholder="http://"
                title={t('tileEditor.urlHint')}
                defaultValue={tile && 'url' in tile ? tile.url : ''}
              />
            </label>
          ) : (
            <label>
              {t('tileEditor.text')}
              <textarea name="text" required autoFocus maxLength={500} rows={3} defaultValue={tile && 'text' in tile ? tile.text : ''} />
            </label>
          )}
          {invalid && <span className="form__error">{invalid}</span>}
          <div className="tile-editor__buttons">
            <button type="submit" data-action="show" disabled={busy}>
              {t('tileEditor.show')}
            </button>
            <button type="button" data-action="cancel" onClick={() => setMode(undefined)}>
              {t('tileEditor.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
