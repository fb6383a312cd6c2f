import { AppError, feedId } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from './CameraFeeds';
import type { CameraRegistry } from './CameraRegistry';

/**
 * Who needs each feed (a camera's main or sub stream, by feed id) pulled. A camera is active while it is `always`, while anything
 * holds it (a browser showing it; later recordings, HLS viewers, snapshots), and for a grace
 * period after the last holder lets go, so flipping between wall layouts does not restart
 * pulls. A new camera is active for one grace period, so its state is known at once.
 *
 * At most `maxPulls` on-demand cameras are pulled at once (MAX_ON_DEMAND_PULLS): a hold past
 * it is refused and changes nothing; cameras only in their grace period give way first.
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
    private readonly maxPulls = 200,
  ) {
    registry.on('added', (cam) => {
      if (cam.pull === 'always') this.#always.add(cam.id);
      else this.#activateWithGrace(cam.id);
    });
    registry.on('removed', (id) => {
      this.#always.delete(id);
      for (const feed of [id, feedId(id, 'sub')]) {
        this.#holders.delete(feed);
        clearTimeout(this.#grace.get(feed));
        this.#grace.delete(feed);
      }
    });
  }

  /** `holder` needs `cameraId` (a feed id) pulled (idempotent). Unknown feeds are ignored. */
  async hold(cameraId: string, holder: string): Promise<void> {
    if (!(await this.registry.feedExists(cameraId))) return;
    // Checked after the await and claimed in the same synchronous step: concurrent holds
    // cannot pass the limit together.
    this.#assertRoom(this.#heldAfter(undefined, new Set(), [cameraId]));
    this.#claim(cameraId, holder);
    this.#shedGrace();
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

  /** Replaces everything `holder` holds with `cameraIds`; refused as a whole past the limit. */
  async holdOnly(holder: string, cameraIds: string[]): Promise<void> {
    const wanted = new Set(cameraIds);
    const known: string[] = [];
    for (const id of wanted) if (await this.registry.feedExists(id)) known.push(id);
    // After the awaits: check, then release and claim without yielding.
    this.#assertRoom(this.#heldAfter(holder, wanted, known));
    for (const [id, set] of this.#holders) if (set.has(holder) && !wanted.has(id)) this.release(id, holder);
    for (const id of known) this.#claim(id, holder);
    this.#shedGrace();
    for (const id of known) await this.registry.setActive(id, true);
  }

  releaseAll(holder: string): void {
    for (const id of [...this.#holders.keys()]) this.release(id, holder);
  }

  holderCount(cameraId: string): number {
    return this.#holders.get(cameraId)?.size ?? 0;
  }

  /** On-demand cameras held now (not counting those only in their grace period). */
  get heldCount(): number {
    return this.#heldAfter(undefined, new Set(), []);
  }

  /** How many on-demand cameras would be held if `holder` kept only `keep` and `add` were held too. */
  #heldAfter(holder: string | undefined, keep: Set<string>, add: string[]): number {
    const ids = new Set<string>();
    for (const [id, set] of this.#holders) {
      if (this.#always.has(id)) continue;
      if (holder !== undefined && set.size === 1 && set.has(holder) && !keep.has(id)) continue; // released by this request
      ids.add(id);
    }
    for (const id of add) if (!this.#always.has(id)) ids.add(id);
    return ids.size;
  }

  #assertRoom(held: number): void {
    if (held > this.maxPulls) {
      throw new AppError('unavailable', `too many cameras pulled at once (at most ${this.maxPulls}; MAX_ON_DEMAND_PULLS raises it)`);
    }
  }

  #claim(cameraId: string, holder: string): void {
    let set = this.#holders.get(cameraId);
    if (!set) this.#holders.set(cameraId, (set = new Set()));
    set.add(holder);
    clearTimeout(this.#grace.get(cameraId));
    this.#grace.delete(cameraId);
  }

  /** Ends grace periods early, oldest first, while held + grace pulls exceed the limit. */
  #shedGrace(): void {
    let over = this.heldCount + this.#grace.size - this.maxPulls;
    for (const id of [...this.#grace.keys()]) {
      if (over <= 0) break;
      clearTimeout(this.#grace.get(id));
      this.#grace.delete(id);
      over--;
      this.logger.info({ cameraId: id }, 'pull limit reached: camera in its grace period stops');
      this.#stop(id).catch((err: unknown) => this.logger.error({ err, cameraId: id }, 'pull did not stop'));
    }
  }

  #activateWithGrace(cameraId: string): void {
    if (this.#always.has(cameraId)) return;
    clearTimeout(this.#grace.get(cameraId));
    this.#grace.delete(cameraId); // re-inserted last: the newest grace period gives way last
    this.registry.setActive(cameraId, true).catch((err: unknown) => this.logger.error({ err, cameraId }, 'camera not activated'));
    this.#armGrace(cameraId);
    this.#shedGrace();
  }

  #armGrace(cameraId: string): void {
    const timer = setTimeout(
      () => this.#graceOver(cameraId).catch((err: unknown) => this.logger.error({ err, cameraId }, 'grace period end failed')),
      this.graceMs,
    );
    timer.unref();
    this.#grace.set(cameraId, timer);
  }

  async #graceOver(cameraId: string): Promise<void> {
    this.#grace.delete(cameraId);
    if (this.#holders.has(cameraId) || this.#always.has(cameraId)) return;
    const status = await this.registry.feedStatus(cameraId).catch(() => undefined);
    if (!status || this.#holders.has(cameraId) || this.#grace.has(cameraId)) return; // claimed meanwhile
    // Not idle before its state is known: a new camera shows online or offline first.
    if (status === 'connecting') return this.#armGrace(cameraId);
    this.logger.info({ cameraId }, 'nobody watches: pull stops');
    await this.#stop(cameraId);
  }

  async #stop(cameraId: string): Promise<void> {
    this.feeds.close(cameraId);
    await this.registry.setActive(cameraId, false);
  }

  close(): void {
    for (const t of this.#grace.values()) clearTimeout(t);
    this.#grace.clear();
  }
}
