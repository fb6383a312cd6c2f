import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INCIDENT_SEVERITIES, PLAN_KINDS, PlanInputSchema, type CameraView, type Incident, type IncidentSeverity, type Plan, type Screen } from '@county/shared';
import { Link } from 'react-router-dom';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';
import type { SignalClient } from '../signalling/SignalClient';

/** Severity at a glance on the command-center floor. */
const SEVERITY_COLOUR: Record<IncidentSeverity, string> = { info: '#2f80ed', warning: '#f2994a', critical: '#eb5757' };

/**
 * Open incidents (severity colour, close) and emergency plans (应急预案): one click on "run"
 * opens an incident and puts the plan's cameras on its screen; a plan can be saved from the
 * cameras the console's screen shows now.
 */
export function IncidentPanel({ screen, signal, cameras }: { screen: Screen; signal?: SignalClient; cameras: CameraView[] }) {
  const { t } = useTranslation();
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [plans, setPlans] = useState<Plan[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const loadIncidents = useCallback(() => void apiJson<Incident[]>('/api/incidents?status=open').then(setIncidents, () => undefined), []);
  const loadPlans = useCallback(() => void apiJson<Plan[]>('/api/plans').then(setPlans, () => undefined), []);
  useEffect(loadIncidents, [loadIncidents]);
  useEffect(loadPlans, [loadPlans]);
  useEffect(() => {
    if (!signal) return;
    // An incident opened from another console changes a screen: that is when to look again.
    signal.socket.on('screen:updated', loadIncidents);
    signal.socket.on('connect', loadIncidents);
    return () => {
      signal.socket.off('screen:updated', loadIncidents);
      signal.socket.off('connect', loadIncidents);
    };
  }, [signal, loadIncidents]);

  const run = async (change: () => Promise<unknown>, done?: (result: unknown) => string) => {
    try {
      const result = await change();
      setMessage(done ? { ok: true, text: done(result) } : undefined);
      loadIncidents();
      loadPlans();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
      return false;
    }
  };

  const cameraIds = screen.tiles.flatMap((tile) => (tile && 'cameraId' in tile ? [tile.cameraId] : []));
  const savePlan = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    if (cameraIds.length === 0) return setMessage({ ok: false, text: t('plans.noCameras') });
    const parsed = PlanInputSchema.safeParse({
      id: String(data.get('id') ?? '').trim(),
      name: String(data.get('name') ?? ''),
      kind: String(data.get('kind') ?? ''),
      screenId: screen.id,
      cameraIds,
    });
    if (!parsed.success) return setMessage({ ok: false, text: `${t('errors.bad_request')}: ${parsed.error.issues[0]?.message ?? ''}` });
    void run(() => apiJson('/api/plans', { method: 'POST', json: parsed.data }), () => t('plans.saved', { name: parsed.data.name })).then(
      (ok) => ok && form.reset(),
    );
  };

  // An incident without a plan: what the screen shows now, its township (and site) from those cameras.
  const openIncident = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const shown = cameraIds.map((id) => cameras.find((c) => c.id === id)).filter((c): c is CameraView => c !== undefined);
    const townshipId = shown.find((c) => c.townshipId)?.townshipId;
    if (!townshipId) return setMessage({ ok: false, text: t('incidents.noTownship') });
    const sites = new Set(shown.map((c) => c.siteId));
    const [onlySite] = sites;
    const body = {
      title: String(data.get('title') ?? ''),
      severity: String(data.get('severity') ?? 'warning'),
      townshipId,
      ...(sites.size === 1 && onlySite ? { siteId: onlySite } : {}),
      cameraIds,
      screenId: screen.id,
    };
    void run(() => apiJson('/api/incidents', { method: 'POST', json: body }), () => t('incidents.opened_now', { title: body.title })).then((ok) => ok && form.reset());
  };

  return (
    <section className="incidents presets">
      <h2>{t('incidents.title')}</h2>
      {message && (
        <p className={message.ok ? 'page__notice' : 'page__error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {incidents.length === 0 && <p>{t('incidents.none')}</p>}
      <ul>
        {incidents.map((i) => (
          <li
            key={i.id}
            data-incident-id={i.id}
            data-severity={i.severity}
            style={{ borderLeft: `0.4rem solid ${SEVERITY_COLOUR[i.severity]}`, paddingLeft: '0.5rem' }}
          >
            <strong style={{ color: SEVERITY_COLOUR[i.severity] }}>{t(`incidents.severity.${i.severity}`)}</strong>
            <span className="presets__name">{i.title}</span>
            <small>
              {t('incidents.where', { screen: i.screenId, count: i.cameraIds.length })} ·{' '}
              {t('incidents.opened', { user: i.openedBy, time: new Date(i.openedAt).toLocaleTimeString() })}
            </small>
            {i.meetingId && (
              <Link to={`/meetings/${i.meetingId}`} data-action="meeting">
                {t('incidents.meeting')}
              </Link>
            )}
            <button
              type="button"
              data-action="close"
              onClick={() =>
                window.confirm(t('incidents.confirmClose', { title: i.title })) &&
                void run(
                  () => apiJson(`/api/incidents/${encodeURIComponent(i.id)}/close`, { method: 'POST' }),
                  () => t('incidents.closed', { title: i.title }),
                )
              }
            >
              {t('incidents.close')}
            </button>
          </li>
        ))}
      </ul>

      <h2>{t('plans.title')}</h2>
      {plans.length === 0 && <p>{t('plans.none')}</p>}
      <ul>
        {plans.map((p) => (
          <li key={p.id} data-plan-id={p.id} data-kind={p.kind}>
            <small>{t(`plans.kind.${p.kind}`)}</small>
            <span className="presets__name">{p.name}</span>
            <small>
              {p.siteId ? t('plans.site', { site: p.siteId }) : t('plans.cameras', { count: p.cameraIds?.length ?? 0 })} {t('plans.toScreen', { screen: p.screenId })}
            </small>
            <button
              type="button"
              data-action="run"
              onClick={() =>
                void run(
                  () => apiJson<Incident>(`/api/plans/${encodeURIComponent(p.id)}/run`, { method: 'POST', json: {} }),
                  () => t('plans.ran', { name: p.name, screen: p.screenId }),
                )
              }
            >
              {t('plans.run')}
            </button>
            <button
              type="button"
              data-action="delete"
              className="danger"
              onClick={() =>
                window.confirm(t('plans.confirmDelete', { name: p.name })) &&
                void run(() => apiJson(`/api/plans/${encodeURIComponent(p.id)}`, { method: 'DELETE' }))
              }
            >
              {t('plans.delete')}
            </button>
          </li>
        ))}
      </ul>
      <form className="presets__save" onSubmit={openIncident} data-form="incident">
        <h3>{t('incidents.open')}</h3>
        <input name="title" placeholder={t('incidents.titlePlaceholder')} aria-label={t('incidents.titlePlaceholder')} required />
        <select name="severity" aria-label={t('incidents.severityLabel')} defaultValue="warning">
          {INCIDENT_SEVERITIES.map((k) => (
            <option key={k} value={k}>
              {t(`incidents.severity.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit" disabled={cameraIds.length === 0}>{t('incidents.openButton')}</button>
        <small>{cameraIds.length ? t('plans.cameras', { count: cameraIds.length }) : t('plans.noCameras')}</small>
      </form>
      <form className="presets__save" onSubmit={savePlan} data-form="plan">
        <h3>{t('plans.create')}</h3>
        <input name="name" placeholder={t('plans.name')} aria-label={t('plans.name')} required />
        <input name="id" placeholder={t('plans.id')} aria-label={t('plans.id')} required />
        <select name="kind" aria-label={t('plans.kindLabel')} defaultValue="flood">
          {PLAN_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`plans.kind.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit">{t('plans.save')}</button>
        <small>{cameraIds.length ? t('plans.cameras', { count: cameraIds.length }) : t('plans.noCameras')}</small>
      </form>
    </section>
  );
}
