import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '@county/shared/node';
import { ROUTER_CODECS } from './codecs';

/**
 * Each worker's one WebRTC port: worker i listens on `port + i`, UDP and TCP, for every
 * browser transport of its router.
 */
export interface WebRtcServerOptions {
  listenIp: string;
  announcedIp?: string;
  port: number;
}

export interface WorkerPoolOptions {
  workers: number;
  /** Ports a worker picks from for transports without a fixed port (pipes, taps; browsers without a WebRTC server). */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Absent: no WebRTC server, each browser transport takes its own port from the RTC range. */
  webRtcServer?: WebRtcServerOptions;
  logger: Logger;
}

const REPLACE_BASE_DELAY_MS = 1000;
const REPLACE_MAX_DELAY_MS = 30_000;

interface Slot {
  /** Which worker of the pool: fixes its WebRTC port, kept by its replacement. */
  index: number;
  worker: types.Worker;
  router: types.Router;
  webRtcServer?: types.WebRtcServer;
}

/**
 * One mediasoup worker per core, each with one router. Rooms and camera ingests ask for
 * `leastLoadedRouter()`; a producer consumed from another router is piped there once.
 * A worker that dies is replaced (retried with backoff until it works); what lived on it is
 * closed and its owners hear about it through the usual `routerclose` / `transportclose` events.
 */
export class WorkerPool extends EventEmitter<{ workerreplaced: [] }> {
  readonly #slots: Slot[] = [];
  readonly #load = new Map<string, number>();
  /** `${producerId}:${routerId}` -> pipe in progress or done. */
  readonly #pipes = new Map<string, Promise<void>>();
  readonly #options: WorkerPoolOptions;
  /** Pending retries of failed worker replacements. */
  readonly #retries = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      for (let i = 0; i < options.workers; i++) pool.#slots.push(await pool.#startSlot(i));
    } catch (err) {
      pool.close();
      throw err;
    }
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

  /** The WebRTC server of the router's worker (undefined when the pool runs without them). */
  webRtcServerOf(router: types.Router): types.WebRtcServer | undefined {
    return this.#slots.find((s) => s.router === router)?.webRtcServer;
  }

  /** The port each worker's WebRTC server listens on (UDP and TCP), by worker index. */
  get webRtcPorts(): number[] {
    const server = this.#options.webRtcServer;
    return server ? [...this.#slots].sort((a, b) => a.index - b.index).map((s) => server.port + s.index) : [];
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

  async #startSlot(index: number): Promise<Slot> {
    const { rtcMinPort, rtcMaxPort, logger } = this.#options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort });
    let router: types.Router;
    let webRtcServer: types.WebRtcServer | undefined;
    try {
      router = await worker.createRouter({ mediaCodecs: ROUTER_CODECS });
      webRtcServer = await this.#createWebRtcServer(worker, index);
    } catch (err) {
      worker.close();
      throw err;
    }
    worker.on('died', (err) => {
      logger.error({ err, pid: worker.pid }, 'mediasoup worker died; replacing it');
      this.#replace(worker);
    });
    logger.info({ pid: worker.pid, webRtcPort: webRtcServer ? this.#options.webRtcServer!.port + index : undefined }, 'mediasoup worker started');
    return { index, worker, router, webRtcServer };
  }

  // One UDP and one TCP port per worker for all its browsers: a firewall needs two rules per
  // worker, not a range. A replacement binds the same port again (libuv sets SO_REUSEADDR).
  async #createWebRtcServer(worker: types.Worker, index: number): Promise<types.WebRtcServer | undefined> {
    const options = this.#options.webRtcServer;
    if (!options) return undefined;
    const port = options.port + index;
    const listen = { ip: options.listenIp, announcedIp: options.announcedIp, port };
    try {
      return await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...listen },
          { protocol: 'tcp', ...listen },
        ],
      });
    } catch (err) {
      throw new Error(`WebRTC port ${port} (WEBRTC_PORT + worker ${index}) on ${options.listenIp}: ${(err as Error).message}`, { cause: err });
    }
  }

  #replace(dead: types.Worker): void {
    const i = this.#slots.findIndex((s) => s.worker === dead);
    if (i < 0 || this.#closed) return;
    const [slot] = this.#slots.splice(i, 1);
    this.#startReplacement(slot!.index, 0);
  }

  // A replacement that fails (no memory, no ports, binary gone) is retried with backoff: a
  // pool left one worker short would stay so until someone restarts the SFU.
  #startReplacement(index: number, attempt: number): void {
    if (this.#closed) return;
    this.#startSlot(index).then(
      (slot) => {
        if (this.#closed) {
          slot.worker.close();
          return;
        }
        this.#slots.push(slot);
        if (attempt > 0) this.#options.logger.info({ attempts: attempt + 1 }, 'mediasoup worker replaced after retries');
        this.emit('workerreplaced');
      },
      (err: unknown) => {
        const delay = Math.min(REPLACE_MAX_DELAY_MS, REPLACE_BASE_DELAY_MS * 2 ** attempt);
        this.#options.logger.error({ err, attempt: attempt + 1, retryInMs: delay }, 'mediasoup worker replacement failed; retrying');
        const timer = setTimeout(() => {
          this.#retries.delete(timer);
          this.#startReplacement(index, attempt + 1);
        }, delay);
        this.#retries.add(timer);
      },
    );
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    for (const { worker } of this.#slots) worker.close();
    this.#slots.length = 0;
  }
}
