import { AppError } from '@county/shared';

/** Tries before giving up when ports keep turning out taken by another program. */
const MAX_BUSY_TRIES = 32;

const isAddressInUse = (err: unknown) => /address already in use|EADDRINUSE/i.test(String((err as Error)?.message ?? err));

/**
 * A range of fixed ports handed out one at a time (camera ingest: mediasoup 3.12 gives a
 * plain transport a fixed `port`, else one from its worker's RTC range). Round robin, so a
 * port just released (its socket may still be closing in the worker) is the last one reused.
 */
export class PortRange {
  readonly #inUse = new Set<number>();
  #next: number;

  constructor(
    readonly min: number,
    readonly max: number,
    /** Names the range in errors: the variables an operator sets. */
    readonly name: string,
  ) {
    if (min > max) throw new Error(`${name}: ${min} > ${max}`);
    this.#next = min;
  }

  get size(): number {
    return this.max - this.min + 1;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  has(port: number): boolean {
    return port >= this.min && port <= this.max;
  }

  /**
   * Calls `bind` with a free port until one binds (a port another program holds is skipped);
   * the port stays taken until `release`. Claimed synchronously: concurrent callers never share one.
   */
  async bind<T>(bind: (port: number) => Promise<T>): Promise<{ port: number; value: T }> {
    for (let busy = 0; busy < MAX_BUSY_TRIES; busy++) {
      const port = this.#claim();
      try {
        return { port, value: await bind(port) };
      } catch (err) {
        this.#inUse.delete(port);
        if (!isAddressInUse(err)) throw err;
      }
    }
    throw new AppError('unavailable', `no free port in ${this.name} (${this.min}-${this.max}): ${MAX_BUSY_TRIES} in a row taken by other programs`);
  }

  release(port: number): void {
    this.#inUse.delete(port);
  }

  #claim(): number {
    if (this.#inUse.size >= this.size) {
      throw new AppError('unavailable', `no free port in ${this.name} (${this.min}-${this.max}): all ${this.size} in use`);
    }
    for (;;) {
      const port = this.#next;
      this.#next = port === this.max ? this.min : port + 1;
      if (!this.#inUse.has(port)) {
        this.#inUse.add(port);
        return port;
      }
    }
  }
}
