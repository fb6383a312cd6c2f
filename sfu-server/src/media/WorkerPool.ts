import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '@county/shared/node';
import { ROUTER_CODECS } from './codecs';

export interface WorkerPoolOptions {
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
}

interface Slot {
  worker: types.Worker;
  router: types.Router;
}

/**
 * One mediasoup worker per core, each with one router. Rooms and camera ingests ask for
 * `leastLoadedRouter()`; a producer consumed from another router is piped there once.
 * A worker that dies is replaced; what lived on it is closed and its owners hear about it
 * through the usual `routerclose` / `transportclose` events.
 */
export class WorkerPool extends EventEmitter<{ workerreplaced: [] }> {
  readonly #slots: Slot[] = [];
  readonly #load = new Map<string, number>();
  /** `${producerId}:${routerId}` -> pipe in progress or done. */
  readonly #pipes = new Map<string, Promise<void>>();
  readonly #options: WorkerPoolOptions;
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    for (let i = 0; i < options.workers; i++) pool.#slots.push(await pool.#startSlot());
    return pool;
  }

  get workerCount(): number {
    return this.#slots.length;
  }

  /** Transports alive in every router (leak checks, diagnostics). */
  async transportCount(): Promise<number> {
    let n = 0;
    for (const { router } of this.#slots) n += (await router.dump()).transportIds.length;
    return n;
  }

  get workerPids(): number[] {
    return this.#slots.map((s) => s.worker.pid);
  }

  /** The router with the fewest transports on it (a cheap proxy for worker load). */
  leastLoadedRouter(): types.Router {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (!best || (this.#load.get(slot.router.id) ?? 0) < (this.#load.get(best.router.id) ?? 0)) best = slot;
    }
    if (!best) throw new Error('worker pool is empty');
    return best.router;
  }

  /** Count a transport against its router until it closes. */
  track(router: types.Router, transport: types.Transport): void {
    this.#load.set(router.id, (this.#load.get(router.id) ?? 0) + 1);
    transport.observer.once('close', () => this.#load.set(router.id, (this.#load.get(router.id) ?? 1) - 1));
  }

  /** Makes `producer` (living on `from`) consumable on `to`. Idempotent. */
  async ensureProducerOn(producer: types.Producer, from: types.Router, to: types.Router): Promise<void> {
    if (from.id === to.id) return;
    const key = `${producer.id}:${to.id}`;
    let pipe = this.#pipes.get(key);
    if (!pipe) {
      pipe = from.pipeToRouter({ producerId: producer.id, router: to }).then(() => undefined);
      this.#pipes.set(key, pipe);
      producer.observer.once('close', () => this.#pipes.delete(key));
      pipe.catch(() => this.#pipes.delete(key));
    }
    await pipe;
  }

  async #startSlot(): Promise<Slot> {
    const { rtcMinPort, rtcMaxPort, logger } = this.#options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort });
    const router = await worker.createRouter({ mediaCodecs: ROUTER_CODECS });
    worker.on('died', (err) => {
      logger.error({ err, pid: worker.pid }, 'mediasoup worker died; replacing it');
      void this.#replace(worker);
    });
    logger.info({ pid: worker.pid }, 'mediasoup worker started');
    return { worker, router };
  }

  async #replace(dead: types.Worker): Promise<void> {
    const i = this.#slots.findIndex((s) => s.worker === dead);
    if (i < 0 || this.#closed) return;
    this.#slots.splice(i, 1);
    this.#slots.push(await this.#startSlot());
    this.emit('workerreplaced');
  }

  close(): void {
    this.#closed = true;
    for (const { worker } of this.#slots) worker.close();
    this.#slots.length = 0;
  }
}
