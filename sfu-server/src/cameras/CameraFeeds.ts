import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, type IngestPoint } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { WorkerPool } from '../media/WorkerPool';
import { RtpIngest, type RtpIngestOptions } from '../media/RtpIngest';
import type { CameraRegistry } from './CameraRegistry';

/**
 * Binds cameras to media: one RtpIngest (plain transport + producer) per live camera,
 * however many viewers. A camera goes `online` when its first RTP arrives.
 */
export class CameraFeeds extends EventEmitter<{ lost: [cameraId: string] }> {
  readonly #ingests = new Map<string, RtpIngest>();

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
  async open(cameraId: string): Promise<IngestPoint> {
    if (!(await this.registry.exists(cameraId))) throw new AppError('not_found', `camera ${cameraId} not found`);
    this.close(cameraId);
    const router = this.pool.leastLoadedRouter();
    const ingest = await RtpIngest.create(cameraId, router, this.options);
    this.pool.track(router, ingest.transport);
    // The camera may have been removed or reopened while we awaited.
    if (!(await this.registry.exists(cameraId)) || this.#ingests.has(cameraId)) {
      ingest.close();
      throw new AppError('conflict', `camera ${cameraId} changed while opening`);
    }
    this.#ingests.set(cameraId, ingest);
    ingest.once('flowing', () => void this.registry.setStatus(cameraId, 'online'));
    ingest.once('close', () => {
      // Still registered means nobody asked for this close: its worker died.
      if (this.#ingests.get(cameraId) !== ingest) return;
      this.#ingests.delete(cameraId);
      this.logger.warn({ cameraId }, 'ingest lost with its media worker');
      this.emit('lost', cameraId);
    });
    this.logger.debug({ cameraId, ...ingest.endpoint }, 'ingest opened');
    return { cameraId, ...ingest.endpoint };
  }

  close(cameraId: string): void {
    const ingest = this.#ingests.get(cameraId);
    if (!ingest) return;
    this.#ingests.delete(cameraId);
    ingest.close();
  }

  /** The live producer of a camera, or a clear error when it has none. */
  producerOf(cameraId: string): { producer: types.Producer; router: types.Router } {
    const ingest = this.#ingests.get(cameraId);
    if (!ingest || ingest.closed) throw new AppError('unavailable', `camera ${cameraId} is not streaming`);
    return { producer: ingest.producer, router: ingest.router };
  }

  get liveCount(): number {
    return this.#ingests.size;
  }

  closeAll(): void {
    for (const id of [...this.#ingests.keys()]) this.close(id);
  }
}
