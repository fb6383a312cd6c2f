import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LAYOUT_TILES, TourInputSchema, type Screen, type Tour, type TourStep, type WallPreset } from '@county/shared';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';
import type { SignalClient } from '../signalling/SignalClient';
import type { CameraDirectory } from './useCameraDirectory';

const tourPath = (id: string) => `/api/tours/${encodeURIComponent(id)}`;

/**
 * Tours (轮巡): the tours of every screen with their running step, start and stop, and a form
 * that builds a tour for the console's screen (whole screen or one tile) from cameras picked
 * in the camera tree and presets. The server drives running tours; each step arrives as
 * `screen:updated`, which is also when this list re-reads where the tours are.
 */
export function TourPanel({
  screen,
  presets,
  directory,
  selected,
  signal,
}: {
  screen: Screen;
  presets: WallPreset[];
  directory: CameraDirectory;
  selected?: string;
  signal?: SignalClient;
}) {
  const { t } = useTranslation();
  const [tours, setTours] = useState<Tour[]>([]);
  const [steps, setSteps] = useState<TourStep[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const load = useCallback(() => void apiJson<Tour[]>('/api/tours').then(setTours, () => undefined), []);
  useEffect(load, [load]);
  useEffect(() => {
    if (!signal) return;
    signal.socket.on('screen:updated', load);
    signal.socket.on('connect', load);
    return () => {
      signal.socket.off('screen:updated', load);
      signal.socket.off('connect', load);
    };
  }, [signal, load]);

  const run = async (change: () => Promise<unknown>, done?: string) => {
    try {
      await change();
      setMessage(done ? { ok: true, text: done } : undefined);
      load();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
      return false;
    }
  };

  const cameraName = (id: string) => directory.cameras.find((c) => c.id === id)?.name ?? id;
  const stepName = (s: TourStep) =>
    'cameraId' in s ? cameraName(s.cameraId) : t('tours.preset', { name: presets.find((p) => p.id === s.presetId)?.name ?? s.presetId });
  const where = (tour: Tour) =>
    `${tour.target.screenId} · ${tour.target.tileIndex === undefined ? t('tours.wholeScreen') : t('tours.tile', { n: tour.target.tileIndex + 1 })}`;

  const addCamera = () => {
    if (!selected) return setMessage({ ok: false, text: t('tours.pickCamera') });
    setSteps((s) => [...s, { cameraId: selected }]);
  };

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const tile = String(data.get('tile') ?? '');
    const parsed = TourInputSchema.safeParse({
      id: String(data.get('id') ?? '').trim(),
      name: String(data.get('name') ?? ''),
      target: tile === '' ? { screenId: screen.id } : { screenId: screen.id, tileIndex: Number(tile) },
      steps,
      dwellS: Number(data.get('dwellS')),
    });
    if (!parsed.success) return setMessage({ ok: false, text: `${t('errors.bad_request')}: ${parsed.error.issues[0]?.message ?? ''}` });
    void run(() => apiJson('/api/tours', { method: 'POST', json: parsed.data }), t('tours.saved', { name: parsed.data.name })).then((ok) => {
      if (!ok) return;
      form.reset();
      setSteps([]);
    });
  };

  return (
    <section className="tours presets">
      <h2>{t('tours.title')}</h2>
      {message && (
        <p className={message.ok ? 'page__notice' : 'page__error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {tours.length === 0 && <p>{t('tours.none')}</p>}
      <ul>
        {tours.map((tour) => (
          <li key={tour.id} data-tour-id={tour.id} data-running={tour.state.running} data-step={tour.state.step}>
            <span className="presets__name">{tour.name}</span>
            <small>
              {where(tour)} · {t('tours.everySeconds', { s: tour.dwellS })}
            </small>
            <small className="tours__state">
              {tour.state.running
                ? t('tours.running', {
                    step: tour.state.step + 1,
                    total: tour.steps.length,
                    what: stepName(tour.steps[tour.state.step] ?? tour.steps[0]!),
                    time: new Date(tour.state.since).toLocaleTimeString(),
                  })
                : t('tours.stopped')}
              {tour.state.error && ` · ${t('tours.stepError', { error: tour.state.error })}`}
            </small>
            {tour.state.running ? (
              <button type="button" data-action="stop" onClick={() => void run(() => apiJson(`${tourPath(tour.id)}/stop`, { method: 'POST' }))}>
                {t('tours.stop')}
              </button>
            ) : (
              <button type="button" data-action="start" onClick={() => void run(() => apiJson(`${tourPath(tour.id)}/start`, { method: 'POST' }))}>
                {t('tours.start')}
              </button>
            )}
            <button
              type="button"
              data-action="delete"
              className="danger"
              onClick={() => window.confirm(t('tours.confirmDelete', { name: tour.name })) && void run(() => apiJson(tourPath(tour.id), { method: 'DELETE' }))}
            >
              {t('tours.delete')}
            </button>
          </li>
        ))}
      </ul>
      <form className="presets__save" onSubmit={submit} data-form="tour">
        <h3>{t('tours.create')}</h3>
        <input name="name" placeholder={t('tours.name')} aria-label={t('tours.name')} required />
        <input name="id" placeholder={t('tours.id')} aria-label={t('tours.id')} required />
        <label>
          {t('tours.target')}
          <select name="tile" defaultValue="0">
            <option value="">{t('tours.wholeScreen')}</option>
            {Array.from({ length: LAYOUT_TILES[screen.layout] }, (_, i) => (
              <option key={i} value={i}>
                {t('tours.tile', { n: i + 1 })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('tours.dwell')}
          <input name="dwellS" type="number" min={1} max={3600} defaultValue={10} required />
        </label>
        <button type="button" data-action="add-camera" onClick={addCamera}>
          {t('tours.addCamera')}
        </button>
        <select
          aria-label={t('tours.addPreset')}
          value=""
          onChange={(e) => e.target.value && setSteps((s) => [...s, { presetId: e.target.value }])}
        >
          <option value="">{t('tours.choosePreset')}</option>
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <ol className="tours__steps">
          {steps.length === 0 && <li>{t('tours.noSteps')}</li>}
          {steps.map((s, i) => (
            <li key={i}>
              {stepName(s)}{' '}
              <button type="button" onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}>
                {t('tours.removeStep')}
              </button>
            </li>
          ))}
        </ol>
        <button type="submit">{t('tours.save')}</button>
        <small>{t('tours.manualNote')}</small>
      </form>
    </section>
  );
}
