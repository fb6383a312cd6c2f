import type { CameraView, ServerToClientEvents } from '@county/shared';

export type HealthBatch = Parameters<ServerToClientEvents['camera:health']>[0];

/** The cameras with a `camera:health` batch applied: a sub stream's health goes to `sub`. */
export function withHealth(cameras: CameraView[], batch: HealthBatch): CameraView[] {
  const main = new Map(batch.filter((b) => b.stream !== 'sub').map((b) => [b.id, b.health]));
  const sub = new Map(batch.filter((b) => b.stream === 'sub').map((b) => [b.id, b.health]));
  return cameras.map((c) => {
    if (!main.has(c.id) && !(c.sub && sub.has(c.id))) return c;
    const next = main.has(c.id) ? { ...c, health: main.get(c.id) } : { ...c };
    if (c.sub && sub.has(c.id)) next.sub = { ...c.sub, health: sub.get(c.id) };
    return next;
  });
}
