import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, feedId, type IngestPoint, type RtpSource } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { WorkerPool } from '../media/WorkerPool';
import { expectedSourceIp, reachable, RtpIngest, type RtpIngestOptions } from '../media/RtpIngest';
import { IngestTransport, sourcePort } from '../media/IngestTransport';
import type { CameraRegistry } from './CameraRegistry';

/** Who sends a camera's media: the gateway's address (as the SFU sees it) and its ports per stream. */
export interface FeedSource {
  peerIp: string;
  video: RtpSource;
  audio?: RtpSource;
}

/** One live camera in the SFU: its video ingest and, when the camera has audio, its audio ingest. */
export class CameraFeed {
  lastKeyframeAt: number | undefined;
  /** When its ingest was opened: a feed that never gets media is restarted after a while. */
  readonly openedAt = Date.now();
  #closed = false;

  constructor(
    readonly cameraId: string,
    /** Which `ingest:open` made it: messages about an older one leave it alone. */
    readonly generation: number,
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
 * Binds cameras to media: one CameraFeed (plain transports + producers) per live feed (a
 * camera's main or sub stream, by feed id), however many viewers. A feed goes `online` when
 * its first video RTP reaches the producer.
 */
export class CameraFeeds extends EventEmitter<{
  lost: [cameraId: string, generation: number, reason: string];
  /** A viewer of the camera needs a keyframe (the worker asked the camera's producer for one). */
  keyframeWanted: [cameraId: string];
  /** A keyframe of the camera reached its producer. */
  keyframe: [cameraId: string];
}> {
  readonly #feeds = new Map<string, CameraFeed>();
  // Seeded from the clock: a gateway's message about an ingest of a previous SFU process
  // (buffered across the restart) cannot name one of this process.
  #lastGeneration = Date.now();

  constructor(
    private readonly registry: CameraRegistry,
    private readonly pool: WorkerPool,
    private readonly options: RtpIngestOptions,
    private readonly logger: Logger,
  ) {
    super();
    registry.on('removed', (id) => {
      this.close(id);
      this.close(feedId(id, 'sub'));
    });
  }

  /** A fresh ingest (a new generation) for a camera; any previous one (and its consumers) closes. */
  async open(cameraId: string, source: FeedSource): Promise<IngestPoint> {
    if (!(await this.registry.feedExists(cameraId))) throw new AppError('not_found', `camera ${cameraId} not found`);
    const ip = expectedSourceIp(source.peerIp, this.options);
    if (!reachable(ip, this.options.listenIp)) {
      throw new AppError('unavailable', `gateway at ${ip} cannot send to the ingest address ${this.options.listenIp} (INGEST_LISTEN_IP: other IP version)`);
    }
    const port = sourcePort(source);
    const generation = ++this.#lastGeneration;
    this.close(cameraId);
    const router = this.pool.leastLoadedRouter();
    // Video and audio on one transport, one port of the ingest range (RTCP muxed).
    const transport = await IngestTransport.create(cameraId, router, this.options, { ip, port });
    let video: RtpIngest;
    let audioIngest: RtpIngest | undefined;
    try {
      video = await RtpIngest.create(cameraId, 'video', router, transport);
      audioIngest = source.audio ? await RtpIngest.create(cameraId, 'audio', router, transport) : undefined;
    } catch (err) {
      transport.close();
      throw err;
    }
    this.pool.track(router, transport.transport);
    const feed = new CameraFeed(cameraId, generation, router, video, audioIngest, () =>
      this.lose(cameraId, 'media worker restarted', generation),
    );
    // The camera may have been removed or reopened while we awaited.
    if (!(await this.registry.feedExists(cameraId)) || this.#feeds.has(cameraId)) {
      feed.close();
      throw new AppError('conflict', `camera ${cameraId} changed while opening`);
    }
    this.#feeds.set(cameraId, feed);
    video.on('keyframeRequest', () => this.emit('keyframeWanted', cameraId));
    video.on('keyframe', () => this.emit('keyframe', cameraId));
    video.once('flowing', () => {
      if (this.#feeds.get(cameraId) !== feed) return;
      this.registry.setStatus(cameraId, 'online').catch((err: unknown) => this.logger.error({ err, cameraId }, 'status update failed'));
    });
    const point: IngestPoint = { cameraId, generation, video: video.endpoint };
    if (audioIngest) point.audio = audioIngest.endpoint;
    this.logger.debug({ ...point, source: { ip, video: source.video, audio: source.audio } }, 'ingest opened');
    return point;
  }

  /** The generation of a camera's live ingest, if it has one. */
  generationOf(cameraId: string): number | undefined {
    return this.#feeds.get(cameraId)?.generation;
  }

  /** Closes a camera's ingest; with `generation`, only if that is the live one. True if one closed. */
  close(cameraId: string, generation?: number): boolean {
    const feed = this.#feeds.get(cameraId);
    if (!feed || (generation !== undefined && feed.generation !== generation)) return false;
    this.#feeds.delete(cameraId);
    feed.close();
    return true;
  }

  /**
   * The feed died without being asked to (its worker died, or no RTP comes): close it and
   * tell the camera's gateway to start the pull again. A newer generation is left alone.
   */
  lose(cameraId: string, reason: string, generation?: number): void {
    const feed = this.#feeds.get(cameraId);
    if (!feed || (generation !== undefined && feed.generation !== generation)) return;
    this.#feeds.delete(cameraId);
    feed.close();
    this.logger.warn({ cameraId, generation: feed.generation, reason }, 'camera feed lost');
    this.emit('lost', cameraId, feed.generation, reason);
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
