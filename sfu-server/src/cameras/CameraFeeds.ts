import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, type IngestPoint } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { WorkerPool } from '../media/WorkerPool';
import { RtpIngest, type RtpIngestOptions } from '../media/RtpIngest';
import type { CameraRegistry } from './CameraRegistry';

/** One live camera in the SFU: its video ingest and, when the camera has audio, its audio ingest. */
export class CameraFeed {
  lastKeyframeAt: number | undefined;
  #closed = false;

  constructor(
    readonly cameraId: string,
    readonly router: types.Router,
    readonly video: RtpIngest,
    readonly audio: RtpIngest | undefined,
    onUnexpectedClose: () => void,
  ) {
    video.on('keyframe', () => (this.lastKeyframeAt = Date.now()));
    for (const ingest of [video, audio]) ingest?.once('close', () => !this.#closed && onUnexpectedClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.video.close();
    this.audio?.close();
  }
}

/**
 * Binds cameras to media: one CameraFeed (plain transports + producers) per live camera,
 * however many viewers. A camera goes `online` when its first video RTP arrives.
 */
export class CameraFeeds extends EventEmitter<{ lost: [cameraId: string, reason: string] }> {
  readonly #feeds = new Map<string, CameraFeed>();

  constructor(
    private readonly registry: CameraRegistry,
    private readonly pool: WorkerPool,
    private readonly options: RtpIngestOptions,
    private readonly logger: Logger,
  ) {
    super();
    registry.on('removed', (id) => this.close(id));
  }

  /** A fresh ingest point for a camera; any previous one (and its consumers) closes. */
  async open(cameraId: string, audio: boolean): Promise<IngestPoint> {
    if (!(await this.registry.exists(cameraId))) throw new AppError('not_found', `camera ${cameraId} not found`);
    this.close(cameraId);
    const router = this.pool.leastLoadedRouter();
    const video = await RtpIngest.create(cameraId, 'video', router, this.options);
    const audioIngest = audio
      ? await RtpIngest.create(cameraId, 'audio', router, this.options).catch((err: unknown) => {
          video.close();
          throw err;
        })
      : undefined;
    for (const ingest of [video, audioIngest]) if (ingest) this.pool.track(router, ingest.transport);
    const feed = new CameraFeed(cameraId, router, video, audioIngest, () => this.lose(cameraId, 'media worker restarted'));
    // The camera may have been removed or reopened while we awaited.
    if (!(await this.registry.exists(cameraId)) || this.#feeds.has(cameraId)) {
      feed.close();
      throw new AppError('conflict', `camera ${cameraId} changed while opening`);
    }
    this.#feeds.set(cameraId, feed);
    video.once('flowing', () => void this.registry.setStatus(cameraId, 'online'));
    const point: IngestPoint = { cameraId, video: video.endpoint };
    if (audioIngest) point.audio = audioIngest.endpoint;
    this.logger.debug({ ...point }, 'ingest opened');
    return point;
  }

  close(cameraId: string): void {
    const feed = this.#feeds.get(cameraId);
    if (!feed) return;
    this.#feeds.delete(cameraId);
    feed.close();
  }

  /**
   * The feed died without being asked to (its worker died, or its RTP stopped): close it
   * and tell the camera's gateway to start the pull again.
   */
  lose(cameraId: string, reason: string): void {
    const feed = this.#feeds.get(cameraId);
    if (!feed) return;
    this.#feeds.delete(cameraId);
    feed.close();
    this.logger.warn({ cameraId, reason }, 'camera feed lost');
    this.emit('lost', cameraId, reason);
  }

  /** The live producer of a camera, or a clear error when it has none. */
  producerOf(cameraId: string, kind: types.MediaKind = 'video'): { producer: types.Producer; router: types.Router } {
    const feed = this.#feeds.get(cameraId);
    const ingest = kind === 'video' ? feed?.video : feed?.audio;
    if (!feed || feed.closed || !ingest) {
      throw new AppError('unavailable', `camera ${cameraId} has no live ${kind}`);
    }
    return { producer: ingest.producer, router: feed.router };
  }

  /** Waits (up to `timeoutMs`) for a camera that is starting to have a live video producer. */
  async waitForProducer(cameraId: string, timeoutMs: number): Promise<{ producer: types.Producer; router: types.Router }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const live = this.producerOf(cameraId);
        if ((await live.producer.getStats()).some((s) => s.byteCount > 0)) return live;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new AppError('unavailable', `camera ${cameraId} sends no video`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  feeds(): IterableIterator<CameraFeed> {
    return this.#feeds.values();
  }

  get liveCount(): number {
    return this.#feeds.size;
  }

  closeAll(): void {
    for (const id of [...this.#feeds.keys()]) this.close(id);
  }
}
