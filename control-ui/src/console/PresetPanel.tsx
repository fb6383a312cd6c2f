import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { WallPresetInputSchema, type Screen, type WallPreset } from '@county/shared';

export interface PresetActions {
  apply(presetId: string): void;
  save(preset: WallPreset): Promise<boolean>;
  remove(presetId: string): void;
}

/** Saved layouts ("防汛"): recall one onto the screen, save the screen as one, delete. */
export function PresetPanel({ presets, screen, actions }: { presets: WallPreset[]; screen: Screen; actions: PresetActions }) {
  const { t } = useTranslation();
  const [invalid, setInvalid] = useState<string>();

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const parsed = WallPresetInputSchema.safeParse({
      id: String(data.get('id') ?? '').trim(),
      name: String(data.get('name') ?? ''),
      layout: screen.layout,
      tiles: screen.tiles,
    });
    if (!parsed.success) return setInvalid(`${t('errors.bad_request')}: ${parsed.error.issues[0]?.message ?? ''}`);
    setInvalid(undefined);
    void actions.save(parsed.data).then((ok) => ok && form.reset());
  };

  return (
    <section className="presets">
      <h2>{t('console.presets')}</h2>
      {presets.length === 0 && <p>{t('console.noPresets')}</p>}
      <ul>
        {presets.map((p) => (
          <li key={p.id} data-preset-id={p.id}>
            <span className="presets__name">{p.name}</span>
            <small>{t(`layout.${p.layout}`)}</small>
            <button type="button" data-action="apply" onClick={() => actions.apply(p.id)}>
              {t('console.applyPreset')}
            </button>
            <button
              type="button"
              data-action="delete"
              className="danger"
              onClick={() => window.confirm(t('console.confirmDeletePreset', { name: p.name })) && actions.remove(p.id)}
            >
              {t('console.deletePreset')}
            </button>
          </li>
        ))}
      </ul>
      <form className="presets__save" onSubmit={submit}>
        <h3>{t('console.saveAsPreset')}</h3>
        <input name="name" placeholder={t('console.presetName')} aria-label={t('console.presetName')} required />
        <input name="id" placeholder={t('console.presetId')} aria-label={t('console.presetId')} required />
        <button type="submit">{t('console.savePreset')}</button>
        {invalid && <span className="form__error">{invalid}</span>}
      </form>
    </section>
  );
}
