import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { ScreenIdSchema, WALL_LAYOUTS, type Screen, type ScreenInput, type Tile, type WallLayout, type WallPreset } from '@county/shared';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';
import { TopBar } from '../layout/TopBar';
import { layoutTiles } from '../screen/layoutGrid';
import { useScreen } from '../screen/useScreen';
import { useSignalClient } from '../signalling/useSignalClient';
import { CameraTree } from './CameraTree';
import { MapPanel } from './MapPanel';
import { IncidentPanel } from './IncidentPanel';
import { PresetPanel, type PresetActions } from './PresetPanel';
import { ScreenMiniature, type TileActions } from './ScreenMiniature';
import { TourPanel } from './TourPanel';
import { useCameraDirectory } from './useCameraDirectory';

const DEFAULT_SCREEN = 'main';
const screenPath = (id: string) => `/api/screens/${encodeURIComponent(id)}`;

/**
 * The operator console: the camera tree, the selected screen as a miniature to drop
 * cameras on, its layout, and presets. Every change goes through the API; the console
 * follows `screen:updated`, so two consoles (and the screen itself) see each other's changes.
 */
export function ConsolePage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const screenId = params.get('screen') ?? DEFAULT_SCREEN;
  const signal = useSignalClient();
  const directory = useCameraDirectory(signal);
  const { screen, error: screenError, accept } = useScreen(signal, screenId);
  const [screens, setScreens] = useState<Screen[]>([]);
  const [presets, setPresets] = useState<WallPreset[]>([]);
  const [selected, setSelected] = useState<string>();
  const [side, setSide] = useState<'tree' | 'map'>('tree');
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const loadScreens = useCallback(() => void apiJson<Screen[]>('/api/screens').then(setScreens, () => undefined), []);
  const loadPresets = useCallback(() => void apiJson<WallPreset[]>('/api/presets').then(setPresets, () => undefined), []);
  useEffect(loadScreens, [loadScreens]);
  useEffect(loadPresets, [loadPresets]);
  useEffect(() => {
    if (!signal) return;
    // A screen saved elsewhere for the first time joins the picker.
    const onUpdated = (s: Screen) => setScreens((list) => (list.some((x) => x.id === s.id) ? list.map((x) => (x.id === s.id ? s : x)) : [...list, s]));
    signal.socket.on('screen:updated', onUpdated);
    return () => void signal.socket.off('screen:updated', onUpdated);
  }, [signal]);

  /** Runs one change through the API and says how it went. */
  const run = async (change: () => Promise<unknown>, done?: string): Promise<boolean> => {
    try {
      await change();
      setMessage(done ? { ok: true, text: done } : undefined);
      return true;
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
      return false;
    }
  };

  const put = (input: ScreenInput) =>
    run(async () => {
      accept(await apiJson<Screen>(screenPath(screenId), { method: 'PUT', json: input }));
      loadScreens();
    });

  const setLayout = (layout: WallLayout) => screen && void put({ name: screen.name, layout, tiles: layoutTiles(layout, screen.tiles) });

  const tileActions: TileActions = {
    set: (index: number, tile: Tile) => {
      if (!screen) return Promise.resolve(false);
      const tiles = layoutTiles(screen.layout, screen.tiles);
      tiles[index] = tile;
      setSelected(undefined);
      return put({ name: screen.name, layout: screen.layout, tiles });
    },
  };

  const presetActions: PresetActions = {
    apply: (presetId) =>
      void run(async () => accept(await apiJson<Screen>(`${screenPath(screenId)}/preset`, { method: 'POST', json: { presetId } }))),
    save: (preset) =>
      run(async () => {
        await apiJson('/api/presets', { method: 'POST', json: preset });
        loadPresets();
      }, t('console.presetSaved', { name: preset.name })),
    remove: (presetId) =>
      void run(async () => {
        await apiJson(`/api/presets/${encodeURIComponent(presetId)}`, { method: 'DELETE' });
        loadPresets();
      }),
  };

  const openScreen = (id: string) => setParams({ screen: id });
  const newScreen = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = ScreenIdSchema.safeParse(String(new FormData(form).get('screenId') ?? '').trim());
    if (!parsed.success) return setMessage({ ok: false, text: `${t('errors.bad_request')}: ${parsed.error.issues[0]?.message ?? ''}` });
    form.reset();
    openScreen(parsed.data);
  };
  const rename = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('name') ?? '').trim();
    if (screen && name && name !== screen.name) void put({ name, layout: screen.layout, tiles: screen.tiles });
  };

  const ids = [...new Set([...screens.map((s) => s.id), screenId])].sort();
  return (
    <div className="page">
      <TopBar />
      <main className={`console console--${side}`} data-screen-id={screenId}>
        <div className="console__side">
          <div className="console__tabs" role="tablist">
            <button type="button" role="tab" data-tab="tree" aria-selected={side === 'tree'} onClick={() => setSide('tree')}>
              {t('console.cameras')}
            </button>
            <button type="button" role="tab" data-tab="map" aria-selected={side === 'map'} onClick={() => setSide('map')}>
              {t('map.tab')}
            </button>
          </div>
          {side === 'tree' ? (
            <CameraTree directory={directory} selected={selected} onSelect={setSelected} />
          ) : (
            <MapPanel directory={directory} selected={selected} onSelect={setSelected} />
          )}
        </div>
        <section className="console__screen">
          <header className="console__bar">
            <label>
              {t('console.screen')}
              <select name="screen" value={screenId} onChange={(e) => openScreen(e.target.value)}>
                {ids.map((id) => (
                  <option key={id} value={id}>
                    {screens.find((s) => s.id === id)?.name ?? id} ({id})
                  </option>
                ))}
              </select>
            </label>
            <form className="console__new" onSubmit={newScreen}>
              <input name="screenId" placeholder={t('console.newScreenId')} aria-label={t('console.newScreenId')} required />
              <button type="submit">{t('console.newScreen')}</button>
            </form>
            <a href={`/wall/${encodeURIComponent(screenId)}`} target="_blank" rel="noreferrer">
              {t('console.openScreen')}
            </a>
          </header>
          {message && (
            <p className={message.ok ? 'page__notice' : 'page__error'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </p>
          )}
          {screenError !== undefined && !screen && (
            <p className="page__error" role="alert">
              {errorText(t, screenError)}
            </p>
          )}
          {directory.error !== undefined && (
            <p className="page__error" role="alert">
              {errorText(t, directory.error)}
            </p>
          )}
          {screen && (
            <>
              <div className="console__bar">
                <form className="console__rename" onSubmit={rename} key={`${screen.id}:${screen.name}`}>
                  <input name="name" defaultValue={screen.name} aria-label={t('console.screenName')} />
                  <button type="submit">{t('console.rename')}</button>
                </form>
                <div className="console__layouts" role="group" aria-label={t('console.layout')}>
                  {WALL_LAYOUTS.map((l) => (
                    <button key={l} type="button" data-layout={l} aria-pressed={screen.layout === l} onClick={() => setLayout(l)}>
                      {t(`layout.${l}`)}
                    </button>
                  ))}
                </div>
              </div>
              <ScreenMiniature screen={screen} directory={directory} selected={selected} actions={tileActions} />
              <p className="console__hint">
                {selected ? t('console.clickTile') : t('console.dragHint')}
                {screen.updatedBy && ` · ${t('console.updated', { user: screen.updatedBy, time: new Date(screen.updatedAt).toLocaleTimeString() })}`}
              </p>
              <PresetPanel presets={presets} screen={screen} actions={presetActions} />
              <TourPanel screen={screen} presets={presets} directory={directory} selected={selected} signal={signal} />
              <IncidentPanel screen={screen} signal={signal} cameras={directory.cameras} />
            </>
          )}
        </section>
      </main>
    </div>
  );
}
