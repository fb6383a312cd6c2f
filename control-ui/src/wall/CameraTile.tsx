import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CameraView } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';
import { inbound } from './inboundStats';
import { useCameraTrack } from './useCameraTrack';
import { useHlsVideo } from './useHlsVideo';
import { useInView, usePageVisible } from './useVisibility';

/** How a tile receives its camera: WebRTC through the SFU, or HLS for poor links. */
export type TileMode = 'webrtc' | 'hls';

interface Stats {
  framesDecoded: number;
  audioBytes: number;
  fps: number;
  kbps: number;
}

const STATS_INTERVAL_MS = 1000;

/**
 * One camera on the wall: its video, its sound (muted until the operator turns it on), its
 * status and, with ?stats=1, its health. Decode progress is exposed as data attributes
 * (data-frames-decoded, data-audio-bytes, data-first-frame-ms) for tests and benchmarks.
 *
 * A tile nobody can see (hidden tab, or scrolled out of view) stops receiving: its consumers
 * close (`data-visible="false"`, `data-receiving="false"`) and `onVisible` tells the page so it
 * can drop the camera from `camera:watch`. Its last picture stays, drawn on a canvas, until
 * the new consumer's first frame when it is visible again: never black.
 */
export function CameraTile({
  camera,
  engine,
  showStats,
  mode,
  onVisible,
}: {
  camera: CameraView;
  engine?: MediaEngine;
  showStats: boolean;
  mode: TileMode;
  /** Told when the tile becomes visible or not (tab hidden or scrolled away). */
  onVisible?: (cameraId: string, visible: boolean) => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const [muted, setMuted] = useState(true);
  const [stats, setStats] = useState<Stats>();
  const [firstFrameMs, setFirstFrameMs] = useState<number>();
  const figure = useRef<HTMLElement>(null);
  const still = useRef<HTMLCanvasElement>(null);
  const [stillShown, setStillShown] = useState(false);
  const pageVisible = usePageVisible();
  const inView = useInView(figure);
  const visible = pageVisible && inView;
  const webrtc = mode === 'webrtc';
  const videoConsumer = useCameraTrack(engine, camera, 'video', webrtc && visible);
  const audioConsumer = useCameraTrack(engine, camera, 'audio', webrtc && visible && camera.hasAudio);

  useEffect(() => onVisible?.(camera.id, visible), [onVisible, camera.id, visible]);

  // Going out of sight: keep the last picture (before the consumer closes) until a new one renders.
  useLayoutEffect(() => {
    if (visible || !webrtc) return;
    const el = video.current;
    const canvas = still.current;
    if (!el || !canvas || el.videoWidth === 0) return;
    canvas.width = el.videoWidth;
    canvas.height = el.videoHeight;
    canvas.getContext('2d')?.drawImage(el, 0, 0);
    setStillShown(true);
  }, [visible, webrtc]);
  const online = camera.status === 'online';
  const hlsUrl = !webrtc && online ? `/api/cameras/${camera.id}/hls/index.m3u8` : undefined;
  useHlsVideo(video, hlsUrl);
  const [hlsFrames, setHlsFrames] = useState(0);

  // With HLS there is no consumer to ask: count the frames the video element presented.
  useEffect(() => {
    if (!hlsUrl) return;
    const timer = window.setInterval(() => {
      const q = video.current?.getVideoPlaybackQuality?.();
      if (q) setHlsFrames(q.totalVideoFrames);
    }, STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [hlsUrl]);

  useEffect(() => {
    const el = video.current;
    if (!el || !webrtc) return;
    if (!videoConsumer) {
      if (visible) el.srcObject = null;
      return;
    }
    el.srcObject = new MediaStream([videoConsumer.track]);
    void el.play().catch(() => undefined); // muted autoplay is allowed; ignore a racing pause
    const onFrame = () => {
      setFirstFrameMs((ms) => ms ?? Math.round(performance.now()));
      setStillShown(false);
    };
    if (el.requestVideoFrameCallback) {
      const handle = el.requestVideoFrameCallback(onFrame);
      return () => el.cancelVideoFrameCallback(handle);
    }
    el.addEventListener('playing', onFrame, { once: true });
    return () => el.removeEventListener('playing', onFrame);
    // `visible` is read, not a dependency: it only decides whether a vanished consumer blanks the video.
  }, [videoConsumer, webrtc]);

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    el.srcObject = audioConsumer ? new MediaStream([audioConsumer.track]) : null;
    if (audioConsumer) void el.play().catch(() => undefined);
  }, [audioConsumer]);

  useEffect(() => {
    if (!videoConsumer) {
      if (visible) setStats(undefined); // out of sight: keep the last counts
      return;
    }
    let last: { frames: number; bytes: number; at: number } | undefined;
    const timer = window.setInterval(() => {
      void Promise.all([inbound(videoConsumer), inbound(audioConsumer)]).then(([v, a]) => {
        if (!v) return;
        const at = performance.now();
        const dt = last ? (at - last.at) / 1000 : 0;
        setStats({
          framesDecoded: v.frames,
          audioBytes: a?.bytes ?? 0,
          fps: last && dt > 0 ? Math.round((v.frames - last.frames) / dt) : 0,
          kbps: last && dt > 0 ? Math.round(((v.bytes - last.bytes) * 8) / dt / 1000) : 0,
        });
        last = { ...v, at };
      }, () => undefined);
    }, STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [videoConsumer, audioConsumer]);

  const h = camera.health;
  return (
    <figure
      ref={figure}
      className={`tile tile--${camera.status}`}
      data-camera-id={camera.id}
      data-status={camera.status}
      data-mode={mode}
      data-frames-decoded={webrtc ? (stats?.framesDecoded ?? 0) : hlsFrames}
      data-audio-bytes={stats?.audioBytes ?? 0}
      data-first-frame-ms={firstFrameMs}
      data-visible={visible}
      data-receiving={webrtc ? videoConsumer !== undefined : undefined}
    >
      <video ref={video} muted autoPlay playsInline />
      <canvas ref={still} className="tile__still" hidden={!stillShown || !webrtc} />
      <audio ref={audio} muted={muted} autoPlay />
      {webrtc && !videoConsumer && online && visible && !stillShown && <div className="tile__notice">{t('tile.waiting')}</div>}
      {!online && (
        <div className="tile__notice">
          {t(`status.${camera.status}`)}
          {camera.statusReason && <small>{camera.statusReason}</small>}
        </div>
      )}
      <figcaption>
        <span className={`badge badge--${camera.status}`}>{t(`status.${camera.status}`)}</span>
        <Link className="tile__name" to={`/cameras/${camera.id}`}>
          {camera.name}
        </Link>
        {camera.hasAudio && (
          <button type="button" className="tile__sound" onClick={() => setMuted((m) => !m)} aria-pressed={!muted}>
            {muted ? t('tile.unmute') : t('tile.mute')}
          </button>
        )}
        {showStats && stats && (
          <span className="tile__stats">
            {t('tile.stats', { fps: stats.fps, kbps: stats.kbps })}
            {h?.codec && ` · ${h.codec}${h.width ? ` ${h.width}×${h.height}` : ''}`}
            {h?.transcoding && ` · ${t('tile.transcoding')}`}
            {h?.secondsSinceKeyframe !== undefined && ` · ${t('tile.keyframe', { s: h.secondsSinceKeyframe })}`}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
