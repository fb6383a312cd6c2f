import { useCallback, useEffect, useState } from 'react';
import type { CameraView, SiteView, Township } from '@county/shared';
import { apiJson } from '../auth/Session';
import type { SignalClient } from '../signalling/SignalClient';
import { withHealth, type HealthBatch } from '../wall/cameraHealth';

export interface CameraDirectory {
  townships: Township[];
  sites: SiteView[];
  cameras: CameraView[];
  error?: unknown;
}

/** The county's cameras with their townships and sites, statuses and health kept live from the socket. */
export function useCameraDirectory(signal: SignalClient | undefined): CameraDirectory {
  const [dir, setDir] = useState<CameraDirectory>({ townships: [], sites: [], cameras: [] });

  const load = useCallback(() => {
    Promise.all([
      apiJson<Township[]>('/api/townships'),
      apiJson<SiteView[]>('/api/sites'),
      apiJson<CameraView[]>('/api/cameras'),
    ]).then(
      ([townships, sites, cameras]) => setDir({ townships, sites, cameras }),
      (error: unknown) => setDir((d) => ({ ...d, error })),
    );
  }, []);
  useEffect(load, [load]);

  useEffect(() => {
    if (!signal) return;
    const onUpdated = (cam: CameraView) =>
      setDir((d) => {
        const known = d.cameras.some((c) => c.id === cam.id);
        return { ...d, cameras: known ? d.cameras.map((c) => (c.id === cam.id ? cam : c)) : [...d.cameras, cam] };
      });
    const onRemoved = ({ id }: { id: string }) => setDir((d) => ({ ...d, cameras: d.cameras.filter((c) => c.id !== id) }));
    const onHealth = (batch: HealthBatch) => setDir((d) => ({ ...d, cameras: withHealth(d.cameras, batch) }));
    signal.socket.on('camera:updated', onUpdated);
    signal.socket.on('camera:removed', onRemoved);
    signal.socket.on('camera:health', onHealth);
    signal.socket.on('connect', load); // news missed while away
    return () => {
      signal.socket.off('camera:updated', onUpdated);
      signal.socket.off('camera:removed', onRemoved);
      signal.socket.off('camera:health', onHealth);
      signal.socket.off('connect', load);
    };
  }, [signal, load]);

  return dir;
}

/** The same site's other view: panorama ↔ close; undefined when the site lacks one of them. */
export function otherView(dir: CameraDirectory, cameraId: string): CameraView | undefined {
  const camera = dir.cameras.find((c) => c.id === cameraId);
  if (!camera?.siteId || (camera.kind !== 'panorama' && camera.kind !== 'close')) return undefined;
  const want = camera.kind === 'panorama' ? 'close' : 'panorama';
  return dir.cameras.find((c) => c.siteId === camera.siteId && c.kind === want);
}
