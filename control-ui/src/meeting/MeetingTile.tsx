import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Participant } from '@county/shared';
import { inbound } from '../wall/inboundStats';
import { useInView, usePageVisible } from '../wall/useVisibility';
import type { MeetingClient, RemoteMedia } from './MeetingClient';

const STATS_INTERVAL_MS = 1000;

/** The simulcast layer a tile of this width needs: small (≤ 320 px), medium (≤ 640 px), full. */
export function layerForWidth(width: number): number {
  const px = width * window.devicePixelRatio;
  return px <= 320 ? 0 : px <= 640 ? 1 : 2;
}

/** Plays a track in a media element for as long as both exist. */
function usePlay(ref: React.RefObject<HTMLMediaElement | null>, track: MediaStreamTrack | undefined): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) el.play().catch(() => undefined); // autoplay refused until a click: the element retries on play()
  }, [ref, track]);
}

/**
 * One video tile of the meeting: a participant's camera or screen, or a site camera. It tells
 * the client whether it is on screen and how large, so the SFU sends the right layer or
 * nothing. Decode progress is exposed as data attributes (data-frames-decoded) for tests.
 */
export function MeetingTile({
  client,
  tileId,
  media,
  participant,
  label,
  spotlight,
  speaking,
  source,
  big,
  layer,
}: {
  client: MeetingClient;
  tileId: string;
  media?: RemoteMedia;
  participant?: Participant;
  label: string;
  spotlight: boolean;
  speaking: boolean;
  source: 'camera' | 'screen' | 'site-camera';
  big: boolean;
  /** A fixed simulcast layer (?quality=low|high) instead of the one the tile's size needs. */
  layer?: number;
}) {
  const { t } = useTranslation();
  const figure = useRef<HTMLElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [frames, setFrames] = useState(0);
  const [firstFrameMs, setFirstFrameMs] = useState<number>();
  const inView = useInView(figure);
  const pageVisible = usePageVisible();
  const visible = inView && pageVisible;
  usePlay(video, media?.track);

  // Layer by size, nothing when off screen: re-evaluated when the tile is resized.
  useEffect(() => {
    const el = figure.current;
    if (!el || !media) return;
    const tell = () => client.want(media.consumerId, visible, layer ?? layerForWidth(el.clientWidth));
    tell();
    const observer = new ResizeObserver(tell);
    observer.observe(el);
    return () => observer.disconnect();
  }, [client, media, visible, layer]);

  // When this tile's first frame rendered (ms since the page started): the join benchmark reads it.
  useEffect(() => {
    const el = video.current;
    if (!el || !media || !('requestVideoFrameCallback' in el)) return;
    const id = el.requestVideoFrameCallback(() => setFirstFrameMs((v) => v ?? Math.round(performance.now())));
    return () => el.cancelVideoFrameCallback(id);
  }, [media]);

  useEffect(() => {
    if (!media) return;
    const timer = window.setInterval(() => {
      void inbound(media.consumer).then((s) => s && setFrames(s.frames));
    }, STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [media]);

  const muted = participant?.sources.mic?.muted ?? !participant?.sources.mic;
  const cameraOff = source === 'camera' && (participant?.sources.camera?.muted ?? !participant?.sources.camera);
  const peerAttrs = tileId.startsWith('camera:') ? { 'data-camera-id': tileId.slice('camera:'.length) } : { 'data-peer-id': tileId };
  return (
    <figure
      ref={figure}
      className={`meeting-tile${big ? ' meeting-tile--big' : ''}${speaking ? ' meeting-tile--speaking' : ''}${spotlight ? ' meeting-tile--spotlight' : ''}`}
      {...peerAttrs}
      data-source={source}
      data-frames-decoded={frames}
      data-consumer-id={media?.consumerId ?? ''}
      data-first-frame-ms={firstFrameMs}
      data-spotlight={spotlight ? 'true' : 'false'}
    >
      <video ref={video} autoPlay playsInline muted />
      {(cameraOff || !media) && <div className="meeting-tile__off">{participant ? t('meeting.cameraOff') : t('meeting.waiting')}</div>}
      <figcaption>
        {source !== 'site-camera' && <span className={muted ? 'meeting-mic meeting-mic--off' : 'meeting-mic'} aria-label={muted ? t('meeting.micOff') : t('meeting.micOn')} />}
        <span className="meeting-tile__name">{label}</span>
        {participant?.host && <span className="meeting-badge">{t('meeting.host')}</span>}
        {participant?.reconnecting && <span className="meeting-badge meeting-badge--warn">{t('meeting.reconnecting')}</span>}
        {source === 'screen' && <span className="meeting-badge">{t('meeting.screen')}</span>}
        {source === 'site-camera' && <span className="meeting-badge">{t('meeting.siteCamera')}</span>}
      </figcaption>
    </figure>
  );
}

/**
 * A participant's sound, played whether or not their tile is on screen; exposes bytes
 * received (data-audio-bytes) for tests.
 */
export function MeetingAudio({ peerId, media }: { peerId: string; media: RemoteMedia }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [bytes, setBytes] = useState(0);
  usePlay(audio, media.track);
  useEffect(() => {
    const timer = window.setInterval(() => void inbound(media.consumer).then((s) => s && setBytes(s.bytes)), STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [media]);
  return <audio ref={audio} autoPlay data-peer-id={peerId} data-audio-bytes={bytes} />;
}

/** This participant's own camera (mirrored, muted). */
export function SelfView({ track, label }: { track?: MediaStreamTrack; label: string }) {
  const video = useRef<HTMLVideoElement>(null);
  usePlay(video, track);
  return (
    <figure className="meeting-tile meeting-tile--self" data-self="true">
      <video ref={video} autoPlay playsInline muted />
      <figcaption>
        <span className="meeting-tile__name">{label}</span>
      </figcaption>
    </figure>
  );
}
