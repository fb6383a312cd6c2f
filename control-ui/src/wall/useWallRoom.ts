import { useEffect, useMemo, useRef, useState } from 'react';
import { parseFeedId, type CameraView, type RoomId } from '@county/shared';
import { MediaEngine } from '../media/MediaEngine';
import { SignalClient } from '../signalling/SignalClient';
import { withHealth } from './cameraHealth';

export type Connection = 'connecting' | 'connected' | 'disconnected';

/**
 * Joins a wall room and keeps its camera list live. On every (re)connection the room is
 * joined afresh with a new engine: after a server restart nothing old is reusable.
 */
export function useWallRoom(
  roomId: RoomId,
  /** Cameras this screen shows, comma-separated (default: all; `<id>~sub`: its sub stream); on-demand cameras are pulled while shown. */
  only?: string,
): {
  engine?: MediaEngine;
  cameras: CameraView[];
  connection: Connection;
  webrtcFailed: boolean;
  /** The room's socket, for other news on it (screen:updated). */
  signal?: SignalClient;
} {
  const [engine, setEngine] = useState<MediaEngine>();
  const [cameras, setCameras] = useState<CameraView[]>([]);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [signal, setSignal] = useState<SignalClient>();
  const [webrtcFailed, setWebrtcFailed] = useState(false);

  useEffect(() => {
    const signal = new SignalClient();
    let current: MediaEngine | undefined;
    let cancelled = false;

    const onConnect = () => {
      MediaEngine.join(signal, roomId).then(
        ({ engine: next, cameras: list }) => {
          if (cancelled) return next.close();
          current?.close();
          current = next;
          next.onTransportFailed(() => setWebrtcFailed(true));
          setEngine(next);
          setCameras(list);
          setConnection('connected');
        },
        () => signal.socket.disconnect().connect(), // join failed: start over
      );
    };
    const onDisconnect = () => {
      current?.close();
      current = undefined;
      setEngine(undefined);
      setConnection('disconnected');
    };
    signal.socket.on('connect', onConnect);
    signal.socket.on('room:closed', onConnect); // its media died with a worker: join afresh
    signal.socket.on('disconnect', onDisconnect);
    signal.socket.on('camera:updated', (cam) =>
      setCameras((list) => {
        const i = list.findIndex((c) => c.id === cam.id);
        return i < 0 ? [...list, cam] : list.map((c) => (c.id === cam.id ? cam : c));
      }),
    );
    signal.socket.on('camera:removed', ({ id }) => setCameras((list) => list.filter((c) => c.id !== id)));
    signal.socket.on('camera:health', (batch) => setCameras((list) => withHealth(list, batch)));
    setSignal(signal);

    return () => {
      cancelled = true;
      current?.close();
      signal.close();
    };
  }, [roomId]);

  // Tell the SFU which cameras this screen shows: on-demand cameras are pulled while watched.
  // One request at a time, the latest set only: the server handles a set in several steps,
  // and two sets in flight could finish in the wrong order (tiles scrolling in and out).
  const shown = useMemo(() => only ?? cameras.map((c) => c.id).sort().join(','), [cameras, only]);
  const watch = useRef<{ chain: Promise<unknown>; seq: number }>({ chain: Promise.resolve(), seq: 0 });
  useEffect(() => {
    if (!signal || !engine) return;
    const w = watch.current;
    const mine = ++w.seq;
    const feeds = (shown ? shown.split(',') : []).map(parseFeedId);
    const cameraIds = feeds.filter((f) => f.stream === 'main').map((f) => f.cameraId);
    const subCameraIds = feeds.filter((f) => f.stream === 'sub').map((f) => f.cameraId);
    w.chain = w.chain.then(() =>
      w.seq === mine ? signal.request('camera:watch', { cameraIds, subCameraIds }).catch(() => undefined) : undefined,
    );
  }, [signal, engine, shown]);

  return { engine, cameras, connection, webrtcFailed, signal };
}
