import { useEffect, useRef } from 'react';
import type { CameraStream, CameraView } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';
import { inbound } from '../wall/inboundStats';
import { useCameraTrack } from '../wall/useCameraTrack';
import { usePageVisible } from '../wall/useVisibility';

const STATS_INTERVAL_MS = 1000;

export interface LayerEvents {
  /** A frame of this layer's stream reached the screen. */
  rendered(key: number): void;
  /** Its stream ended (the camera restarted or went away); a new one may follow. */
  lost(key: number): void;
  frames(key: number, framesDecoded: number): void;
}

/**
 * One camera stream's video inside a screen tile (`camera` is the stream's view, see
 * streamView). A tile stacks two while it switches camera or stream: the old one
 * stays in front until this one's first frame has rendered. The element keeps its last
 * frame when the stream ends, so a camera restart shows a frozen picture, not black.
 * While the page's tab is hidden it receives nothing (its consumer closes) and comes back
 * when the tab is shown again, as after a restart.
 */
export function CameraLayer({
  layerKey,
  camera,
  stream,
  engine,
  front,
  events,
}: {
  layerKey: number;
  camera: CameraView;
  stream: CameraStream;
  engine?: MediaEngine;
  front: boolean;
  events: LayerEvents;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const consumer = useCameraTrack(engine, camera, 'video', usePageVisible(), stream);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (!consumer) return events.lost(layerKey);
    el.srcObject = new MediaStream([consumer.track]);
    void el.play().catch(() => undefined); // muted autoplay is allowed; ignore a racing pause
    const onFrame = () => events.rendered(layerKey);
    if (el.requestVideoFrameCallback) {
      const handle = el.requestVideoFrameCallback(onFrame);
      return () => el.cancelVideoFrameCallback(handle);
    }
    el.addEventListener('playing', onFrame, { once: true });
    return () => el.removeEventListener('playing', onFrame);
  }, [consumer, events, layerKey]);

  useEffect(() => {
    if (!consumer) return;
    const timer = window.setInterval(() => {
      void inbound(consumer).then((s) => s && events.frames(layerKey, s.frames), () => undefined);
    }, STATS_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [consumer, events, layerKey]);

  return (
    <video
      ref={video}
      className={`screen-tile__video${front ? ' screen-tile__video--front' : ''}`}
      data-layer-camera-id={camera.id}
      data-layer-stream={stream}
      muted
      autoPlay
      playsInline
    />
  );
}
