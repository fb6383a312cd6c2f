import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { types } from 'mediasoup-client';
import type { CameraView } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';

interface Stats {
  framesDecoded: number;
  fps: number;
  kbps: number;
}

const STATS_INTERVAL_MS = 1000;
const RETRY_MS = 2000;

async function inboundVideo(consumer: types.Consumer): Promise<{ framesDecoded: number; bytes: number } | undefined> {
  const report = await consumer.getStats();
  for (const s of report.values()) {
    const stat = s as { type: string; kind?: string; framesDecoded?: number; bytesReceived?: number };
    if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
      return { framesDecoded: stat.framesDecoded ?? 0, bytes: stat.bytesReceived ?? 0 };
    }
  }
  return undefined;
}

/**
 * One camera on the wall. Receives the camera while it is online; the tile exposes its
 * decode progress as data attributes (data-frames-decoded, data-first-frame-ms) that the
 * stats overlay, tests and benchmarks read.
 */
export function CameraTile({ camera, engine, showStats }: { camera: CameraView; engine?: MediaEngine; showStats: boolean }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [consumer, setConsumer] = useState<types.Consumer>();
  const [stats, setStats] = useState<Stats>();
  const [firstFrameMs, setFirstFrameMs] = useState<number>();
  const [attempt, setAttempt] = useState(0);
  const online = camera.status === 'online';

  // Receive while online; a new statusSince means a new stream (the camera restarted).
  useEffect(() => {
    if (!engine || !online) return;
    let active = true;
    let mine: types.Consumer | undefined;
    let retry: number | undefined;
    engine.consumeCamera(camera.id).then(
      (c) => {
        if (!active) return engine.release(c);
        mine = c;
        setConsumer(c);
        c.observer.on('close', () => {
          if (active) setConsumer(undefined);
        });
      },
      (err: Error) => {
        // The stream may be between restarts; try again shortly while still online.
        // eslint-disable-next-line no-console -- the operator's only clue in the browser
        console.warn(`camera ${camera.id}: ${err.message}; retrying`);
        if (active) retry = window.setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      },
    );
    return () => {
      active = false;
      window.clearTimeout(retry);
      if (mine) engine.release(mine);
      setConsumer(undefined);
      setStats(undefined);
    };
  }, [engine, camera.id, online, camera.statusSince, attempt]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (!consumer) {
      el.srcObject = null;
      return;
    }
    el.srcObject = new MediaStream([consumer.track]);
    void el.play().catch(() => undefined); // muted autoplay is allowed; ignore a racing pause
    el.requestVideoFrameCallback?.(() => setFirstFrameMs((ms) => ms ?? Math.round(performance.now())));
  }, [consumer]);

  useEffect(() => {
    if (!consumer) return;
    let last: { framesDecoded: number; bytes: number; at: number } | undefined;
    const timer = window.setInterval(() => {
      void inboundVideo(consumer).then((s) => {
        if (!s) return;
        const at = performance.now();
        if (last) {
          const dt = (at - last.at) / 1000;
          setStats({
            framesDecoded: s.framesDecoded,
            fps: Math.round((s.framesDecoded - last.framesDecoded) / dt),
            kbps: Math.round(((s.bytes - last.bytes) * 8) / dt / 1000),
          });
        } else setStats({ framesDecoded: s.framesDecoded, fps: 0, kbps: 0 });
        last = { ...s, at };
      }, () => undefined);
    }, STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [consumer]);

  return (
    <figure
      className={`tile tile--${camera.status}`}
      data-camera-id={camera.id}
      data-status={camera.status}
      data-frames-decoded={stats?.framesDecoded ?? 0}
      data-first-frame-ms={firstFrameMs}
    >
      <video ref={video} muted autoPlay playsInline />
      {!consumer && online && <div className="tile__notice">{t('tile.waiting')}</div>}
      {!online && (
        <div className="tile__notice">
          {t(`status.${camera.status}`)}
          {camera.statusReason && <small>{camera.statusReason}</small>}
        </div>
      )}
      <figcaption>
        <span className={`badge badge--${camera.status}`}>{t(`status.${camera.status}`)}</span>
        <span className="tile__name">{camera.name}</span>
        {showStats && stats && <span className="tile__stats">{t('tile.stats', { fps: stats.fps, kbps: stats.kbps })}</span>}
      </figcaption>
    </figure>
  );
}
