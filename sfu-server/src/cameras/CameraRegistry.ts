import { EventEmitter } from 'node:events';
import {
  AppError,
  feedId,
  parseFeedId,
  redactUrl,
  type CameraAssignment,
  type CameraFailureReason,
  type CameraHealth,
  type CameraInput,
  type CameraStatus,
  type CameraSubView,
  type CameraView,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraNetworks } from './CameraNetworks';
import type { CameraRecord, CameraStore } from './CameraStore';
import type { SiteDirectory } from './SiteDirectory';

const OFF_NETWORK: CameraFailureReason = 'not on a camera network (CAMERA_NETWORKS)';

/** A sub stream's state: a live fact of this node like health (the stored status is the main stream's). */
type SubState = Pick<CameraSubView, 'status' | 'statusReason' | 'statusSince'>;

/**
 * The county's cameras: what exists, which are pulled now (`active`), and what state each
 * is in. The URLs (secrets) stay in here and in `assignments()` for gateways; everything
 * else sees CameraView. Health and activity are live facts of this node, not stored.
 *
 * What is pulled is a feed (`FeedId`): a camera's main stream (the camera id) or its sub
 * stream (`<id>~sub`). Activity, health and status are per feed; a camera's own (stored)
 * status is its main stream's, its sub stream's is kept here.
 */
export class CameraRegistry extends EventEmitter<{
  added: [CameraView];
  updated: [CameraView];
  removed: [string];
  /** The set of cameras gateways must pull changed. */
  assignments: [];
}> {
  readonly #active = new Set<string>();
  readonly #health = new Map<string, CameraHealth>();
  readonly #hasAudio = new Set<string>();
  /** Stored cameras whose address is off the camera networks (stored before CAMERA_NETWORKS was narrowed): never pulled. */
  readonly #offNetwork = new Set<string>();
  /** Sub streams' states, by camera id (cameras with a subUrl). */
  readonly #sub = new Map<string, SubState>();
  #adding = 0;

  constructor(
    private readonly store: CameraStore,
    private readonly sites: SiteDirectory,
    private readonly logger: Logger,
    /** Every camera costs a pull while active: a bound keeps a runaway client from spawning thousands. */
    private readonly maxCameras: number,
    /** Where cameras and ONVIF devices may be (CAMERA_NETWORKS); PtzControl checks again. */
    readonly networks: CameraNetworks,
  ) {
    super();
  }

  toView(c: CameraRecord): CameraView {
    const view: CameraView = {
      id: c.id,
      name: c.name,
      kind: c.kind,
      pull: c.pull,
      active: this.#active.has(c.id),
      hasAudio: this.#hasAudio.has(c.id),
      record: c.record,
      ptz: c.onvif !== undefined,
      hasSub: c.subUrl !== undefined,
      status: c.status,
      statusSince: c.statusSince,
    };
    if (c.subUrl !== undefined) {
      const subId = feedId(c.id, 'sub');
      const state = this.#sub.get(c.id) ?? { status: 'idle', statusSince: c.statusSince };
      view.sub = { active: this.#active.has(subId), ...state };
      const subHealth = this.#health.get(subId);
      if (subHealth) view.sub.health = subHealth;
    }
    if (c.siteId) view.siteId = c.siteId;
    if (c.townshipId) view.townshipId = c.townshipId;
    if (c.statusReason) view.statusReason = c.statusReason;
    const health = this.#health.get(c.id);
    if (health) view.health = health;
    return view;
  }

  async list(): Promise<CameraView[]> {
    return (await this.store.list()).map((c) => this.toView(c));
  }

  async get(id: string): Promise<CameraView> {
    return this.toView(await this.record(id));
  }

  async record(id: string): Promise<CameraRecord> {
    const c = await this.store.get(id);
    if (!c) throw new AppError('not_found', `camera ${id} not found`);
    return c;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.store.get(id)) !== undefined;
  }

  /** A camera's main stream, or its sub stream when it has one. */
  async feedExists(id: string): Promise<boolean> {
    const { cameraId, stream } = parseFeedId(id);
    const c = await this.store.get(cameraId);
    return c !== undefined && (stream === 'main' || c.subUrl !== undefined);
  }

  /** A feed's status: the camera's own for its main stream, else its sub stream's; undefined when there is no such feed. */
  async feedStatus(id: string): Promise<CameraStatus | undefined> {
    const { cameraId, stream } = parseFeedId(id);
    const c = await this.store.get(cameraId);
    if (!c) return undefined;
    if (stream === 'main') return c.status;
    return c.subUrl === undefined ? undefined : (this.#sub.get(cameraId)?.status ?? 'idle');
  }

  /** Feeds gateways must pull now: the active ones (a camera's main and sub streams are pulled separately). */
  async assignments(): Promise<CameraAssignment[]> {
    const pulls: CameraAssignment[] = [];
    for (const c of await this.store.list()) {
      if (this.#offNetwork.has(c.id)) continue;
      if (this.#active.has(c.id)) pulls.push({ id: c.id, url: c.url });
      const subId = feedId(c.id, 'sub');
      if (c.subUrl !== undefined && this.#active.has(subId)) pulls.push({ id: subId, url: c.subUrl });
    }
    return pulls;
  }

  /** Refuses addresses off the camera networks; every add (and any future update) goes through here. */
  async #checkAddresses(input: Pick<CameraInput, 'url' | 'subUrl' | 'onvif'>): Promise<void> {
    await this.networks.check(input.url, 'camera url');
    if (input.subUrl !== undefined) await this.networks.check(input.subUrl, 'camera sub url');
    if (input.onvif) await this.networks.check(input.onvif.url, 'onvif url');
  }

  async add(input: CameraInput): Promise<CameraView> {
    await this.#checkAddresses(input);
    const townshipId = input.siteId ? (await this.sites.site(input.siteId)).townshipId : undefined;
    // Adds in flight count too: a burst of concurrent adds cannot pass the limit together.
    if ((await this.store.count()) + this.#adding >= this.maxCameras) {
      throw new AppError('conflict', `camera limit reached (${this.maxCameras}; MAX_CAMERAS raises it)`);
    }
    // Every new camera is pulled at once (for at least CameraDemand's grace period), so its
    // state is known before anyone looks at it.
    const record: CameraRecord = { ...input, townshipId, status: 'connecting', statusSince: new Date().toISOString() };
    // A sub stream is pulled only while watched: idle until then.
    if (input.subUrl !== undefined) this.#sub.set(input.id, { status: 'idle', statusSince: record.statusSince });
    this.#adding++;
    try {
      if (!(await this.store.insert(record))) throw new AppError('conflict', `camera ${input.id} already exists`);
    } finally {
      this.#adding--;
    }
    this.#active.add(input.id);
    this.logger.info({ cameraId: input.id }, 'camera added');
    const view = this.toView(record);
    this.emit('added', view);
    this.emit('updated', view);
    this.emit('assignments');
    return view;
  }

  /**
   * After a restart: the stored cameras come back. `always` cameras are pulled at once;
   * on-demand ones wait, idle, for their first viewer (no start-up storm of pulls).
   */
  async restore(): Promise<number> {
    const all = await this.store.list();
    for (const c of all) {
      const allowed = await this.#checkAddresses(c).then(
        () => true,
        () => false,
      );
      if (!allowed) {
        this.#offNetwork.add(c.id);
        this.logger.warn({ cameraId: c.id }, 'stored camera is not on a camera network (CAMERA_NETWORKS): not pulled');
        await this.store.update(c.id, { status: 'offline', statusReason: OFF_NETWORK, statusSince: new Date().toISOString() });
        continue;
      }
      const always = c.pull === 'always';
      if (always) this.#active.add(c.id);
      if (c.subUrl !== undefined) this.#sub.set(c.id, { status: 'idle', statusSince: new Date().toISOString() });
      const next = await this.store.update(c.id, { status: always ? 'connecting' : 'idle', statusReason: undefined, statusSince: new Date().toISOString() });
      if (next && always) this.emit('added', this.toView(next));
    }
    if (all.length) this.emit('assignments');
    return all.length;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new AppError('not_found', `camera ${id} not found`);
    let wasActive = false;
    for (const feed of [id, feedId(id, 'sub')]) {
      if (this.#active.delete(feed)) wasActive = true;
      this.#health.delete(feed);
      this.#hasAudio.delete(feed);
    }
    this.#offNetwork.delete(id);
    this.#sub.delete(id);
    this.logger.info({ cameraId: id }, 'camera removed');
    this.emit('removed', id);
    if (wasActive) this.emit('assignments');
  }

  async setRecording(id: string, record: boolean): Promise<void> {
    const next = await this.store.update(id, { record });
    if (!next) throw new AppError('not_found', `camera ${id} not found`);
    this.emit('updated', this.toView(next));
  }

  async recordingCameras(): Promise<string[]> {
    return (await this.store.list()).filter((c) => c.record).map((c) => c.id);
  }

  /** Start or stop pulling a feed (CameraDemand decides). */
  async setActive(id: string, active: boolean): Promise<void> {
    if (this.#active.has(id) === active || (active && this.#offNetwork.has(parseFeedId(id).cameraId))) return;
    // Changed before the await, so a concurrent opposite call sees it and is not undone by it.
    if (active) this.#active.add(id);
    else {
      this.#active.delete(id);
      this.#health.delete(id);
    }
    if (!(await this.feedExists(id))) {
      this.#active.delete(id);
      return;
    }
    this.emit('assignments');
    await this.setStatus(id, active ? 'connecting' : 'idle', undefined, true);
  }

  isActive(id: string): boolean {
    return this.#active.has(id);
  }

  setHealth(id: string, health: CameraHealth, hasAudio: boolean): void {
    if (!this.#active.has(id)) return;
    this.#health.set(id, health);
    if (hasAudio !== this.#hasAudio.has(id)) {
      if (hasAudio) this.#hasAudio.add(id);
      else this.#hasAudio.delete(id);
      this.setStatus(id, undefined, undefined, true).catch((err: unknown) => this.logger.error({ err, cameraId: id }, 'camera not re-announced'));
    }
  }

  /**
   * Records a feed's status change; a no-op for a camera removed meanwhile, and for a report
   * about a feed that is no longer pulled (a late gateway message must not wake an idle one).
   * `status` undefined re-announces the camera as it is.
   */
  async setStatus(id: string, status: CameraStatus | undefined, reason?: string, force = false): Promise<void> {
    const { cameraId, stream } = parseFeedId(id);
    if (stream === 'sub') return this.#setSubStatus(cameraId, status, reason, force);
    const current = await this.store.get(id);
    if (!current) return;
    if (status !== undefined && status !== 'idle' && !this.#active.has(id)) return;
    if (status === 'idle' && this.#active.has(id)) return; // pulled again meanwhile
    const statusReason = reason === undefined ? undefined : redactUrl(reason);
    let next: CameraRecord | undefined = current;
    if (status !== undefined && (current.status !== status || current.statusReason !== statusReason)) {
      next = await this.store.update(id, { status, statusReason, statusSince: new Date().toISOString() });
      if (!next) return;
      this.logger.info({ cameraId: id, status, reason: statusReason }, 'camera status');
    } else if (!force) return;
    this.emit('updated', this.toView(next));
  }

  async #setSubStatus(cameraId: string, status: CameraStatus | undefined, reason: string | undefined, force: boolean): Promise<void> {
    const id = feedId(cameraId, 'sub');
    const current = await this.store.get(cameraId);
    if (!current || current.subUrl === undefined) return;
    if (status !== undefined && status !== 'idle' && !this.#active.has(id)) return;
    if (status === 'idle' && this.#active.has(id)) return;
    const statusReason = reason === undefined ? undefined : redactUrl(reason);
    const was = this.#sub.get(cameraId);
    if (status !== undefined && (was?.status !== status || was.statusReason !== statusReason)) {
      const next: SubState = { status, statusSince: new Date().toISOString() };
      if (statusReason !== undefined) next.statusReason = statusReason;
      this.#sub.set(cameraId, next);
      this.logger.info({ cameraId, stream: 'sub', status, reason: statusReason }, 'camera status');
    } else if (!force) return;
    this.emit('updated', this.toView(current));
  }
}
