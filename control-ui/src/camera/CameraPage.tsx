import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import type { PtzPreset, RecordingView } from '@county/shared';
import { apiJson } from '../auth/Session';
import { useSession } from '../auth/useSession';
import { CallSiteButton } from '../meeting/CallSiteButton';
import { errorText } from '../i18n/errorText';
import { CameraTile, type TileMode } from '../wall/CameraTile';
import { useWallRoom } from '../wall/useWallRoom';

/**
 * One camera, for an inspector's phone or an operator's second screen: live picture (HLS
 * with ?mode=hls), PTZ presets, a snapshot and today's recordings.
 */
export function CameraPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { engine, cameras, connection, webrtcFailed } = useWallRoom('wall:camera-page', id);
  const camera = cameras.find((c) => c.id === id);
  const mode: TileMode = new URLSearchParams(window.location.search).get('mode') === 'hls' || webrtcFailed ? 'hls' : 'webrtc';
  const [presets, setPresets] = useState<PtzPreset[]>([]);
  const [recordings, setRecordings] = useState<RecordingView[]>([]);
  const [playing, setPlaying] = useState<string>();
  const [message, setMessage] = useState<string>();
  const session = useSession();
  // Calling a site starts a meeting: for those who may start one (the county center).
  const canCall = session.status === 'signed-in' && (session.user.role === 'admin' || session.user.role === 'operator');

  const base = `/api/cameras/${encodeURIComponent(id)}`;
  useEffect(() => {
    if (!camera?.ptz) return;
    apiJson<PtzPreset[]>(`${base}/ptz/presets`).then(setPresets, (e: unknown) => setMessage(errorText(t, e)));
  }, [base, camera?.ptz, t]);

  const loadRecordings = useCallback(() => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    apiJson<RecordingView[]>(`${base}/recordings?from=${from.toISOString()}`).then(setRecordings, () => setRecordings([]));
  }, [base]);
  useEffect(loadRecordings, [loadRecordings]);

  const goto = (p: PtzPreset) =>
    apiJson(`${base}/ptz/goto`, { method: 'POST', json: { token: p.token } }).then(
      () => setMessage(t('camera.moved', { name: p.name })),
      (e: unknown) => setMessage(errorText(t, e)),
    );

  if (!camera) {
    return <main className="camera-page">{connection === 'connected' ? t('camera.unknown') : t(`wall.${connection}`)}</main>;
  }
  return (
    <main className="camera-page">
      <header>
        <Link to="/wall">← {t('app.wall')}</Link>
        <h1>{camera.name}</h1>
      </header>
      <CameraTile camera={camera} engine={engine} showStats mode={mode} />
      {camera.siteId && canCall && (
        <section className="camera-page__buttons">
          <CallSiteButton siteId={camera.siteId} />
        </section>
      )}
      {message && <p className="camera-page__message">{message}</p>}
      {camera.ptz && (
        <section>
          <h2>{t('camera.presets')}</h2>
          <div className="camera-page__buttons">
            {presets.map((p) => (
              <button type="button" key={p.token} onClick={() => void goto(p)}>
                {t(`camera.preset.${p.name}`, { defaultValue: p.name })}
              </button>
            ))}
          </div>
        </section>
      )}
      <section>
        <a href={`${base}/snapshot.jpg`} target="_blank" rel="noreferrer">
          {t('camera.snapshot')}
        </a>
      </section>
      <section>
        <h2>
          {t('camera.recordings')} <button type="button" onClick={loadRecordings}>{t('camera.refresh')}</button>
        </h2>
        {recordings.length === 0 && <p>{t('camera.noRecordings')}</p>}
        <ul className="camera-page__recordings">
          {recordings.map((r) => (
            <li key={r.file}>
              <button type="button" onClick={() => setPlaying(r.url)}>
                {new Date(r.start).toLocaleTimeString()} – {new Date(r.end).toLocaleTimeString()}
              </button>
            </li>
          ))}
        </ul>
        {playing && <video className="camera-page__playback" src={playing} controls autoPlay muted playsInline />}
      </section>
    </main>
  );
}
