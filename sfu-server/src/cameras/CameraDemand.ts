import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from './CameraFeeds';
import type { CameraRegistry } from './CameraRegistry';

/**
 * Who needs each camera pulled. A camera is active while it is `always`, while anything
 * holds it (a browser showing it; later recordings, HLS viewers, snapshots), and for a grace
 * period after the last holder lets go, so flipping between wall layouts does not restart
 * pulls. A new camera is active for one grace period, so its state is known at once.
 */
export class CameraDemand {
  readonly #holders = new Map<string, Set<string>>();
  readonly #grace = new Map<string, NodeJS.Timeout>();
  readonly #always = new Set<string>();

  constructor(
    private readonly registry: CameraRegistry,
    private readonly feeds: CameraFeeds,
    private readonly graceMs: number,
    private readonly logger: Logger,
  ) {
    registry.on('added', (cam) => {
      if (cam.pull === 'always') this.#always.add(cam.id);
      else this.#activateWithGrace(cam.id);
    });
    registry.on('removed', (id) => {
      this.#always.delete(id);
      this.#holders.delete(id);
      clearTimeout(this.#grace.get(id));
      this.#grace.delete(id);
    });
  }

  /** `holder` needs `cameraId` pulled (idempotent). Unknown cameras are ignored. */
  async hold(cameraId: string, holder: string): Promise<void> {
    if (!(await this.registry.exists(cameraId))) return;
    let set = this.#holders.get(cameraId);
    if (!set) this.#holders.set(cameraId, (set = new Set()));
    set.add(holder);
    clearTimeout(this.#grace.get(cameraId));
    this.#grace.delete(cameraId);
    await this.registry.setActive(cameraId, true);
  }

  release(cameraId: string, holder: string): void {
    const set = this.#holders.get(cameraId);
    if (!set?.delete(holder)) return;
    if (set.size === 0) {
      this.#holders.delete(cameraId);
      this.#activateWithGrace(cameraId);
    }
  }

  /** Replaces everything `holder` holds with `cameraIds`. */
  async holdOnly(holder: string, cameraIds: string[]): Promise<void> {
    const wanted = new Set(cameraIds);
    for (const [id, set] of this.#holders) if (set.has(holder) && !wanted.has(id)) this.release(id, holder);
    for (const id of wanted) await this.hold(id, holder);
  }

  releaseAll(holder: string): void {
    for (const id of [...this.#holders.keys()]) this.release(id, holder);
  }

  holderCount(cameraId: string): number {
    return this.#holders.get(cameraId)?.size ?? 0;
  }

  #activateWithGrace(cameraId: string): void {
    if (this.#always.has(cameraId)) return;
    clearTimeout(this.#grace.get(cameraId));
    void this.registry.setActive(cameraId, true);
    this.#armGrace(cameraId);
  }

  #armGrace(cameraId: string): void {
    const timer = setTimeout(() => void this.#graceOver(cameraId), this.graceMs);
    timer.unref();
    this.#grace.set(cameraId, timer);
  }

  async #graceOver(cameraId: string): Promise<void> {
    this.#grace.delete(cameraId);
    if (this.#holders.has(cameraId) || this.#always.has(cameraId)) return;
    const view = await this.registry.get(cameraId).catch(() => undefined);
    if (!view || this.#holders.has(cameraId) || this.#grace.has(cameraId)) return; // claimed meanwhile
    // Not idle before its state is known: a new camera shows online or offline first.
    if (view.status === 'connecting') return this.#armGrace(cameraId);
    this.logger.info({ cameraId }, 'nobody watches: pull stops');
    this.feeds.close(cameraId);
    await this.registry.setActive(cameraId, false);
  }

  close(): void {
    for (const t of this.#grace.values()) clearTimeout(t);
    this.#grace.clear();
  }
}
