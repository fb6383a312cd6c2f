import { useEffect, useState } from 'react';
import type { types } from 'mediasoup-client';
import type { CameraStream, CameraView } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';

const RETRY_MS = 2000;

/**
 * Receives one kind of a camera's media while the camera is online; a new statusSince
 * means a new stream (the camera restarted), so it consumes afresh. For the sub stream,
 * `camera` is its view (`streamView`): status and statusSince are the sub stream's.
 */
export function useCameraTrack(engine: MediaEngine | undefined, camera: CameraView, kind: types.MediaKind, wanted: boolean, stream: CameraStream = 'main') {
  const [consumer, setConsumer] = useState<types.Consumer>();
  const [attempt, setAttempt] = useState(0);
  const online = camera.status === 'online' && wanted;

  useEffect(() => {
    if (!engine || !online) return;
    let active = true;
    let mine: types.Consumer | undefined;
    let retry: number | undefined;
    engine.consumeCamera(camera.id, kind, stream).then(
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
        console.warn(`camera ${camera.id} ${stream} ${kind}: ${err.message}; retrying`);
        if (active) retry = window.setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      },
    );
    return () => {
      active = false;
      window.clearTimeout(retry);
      if (mine) engine.release(mine);
      setConsumer(undefined);
    };
  }, [engine, camera.id, kind, stream, online, camera.statusSince, attempt]);

  return consumer;
}
