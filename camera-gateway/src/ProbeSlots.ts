import os from 'node:os';

/**
 * At most this many ffprobe runs at once, gateway-wide: a gateway given hundreds of cameras
 * at once (a start, an SFU back) otherwise forks two ffprobes per camera together and starves
 * the pulls already running; each probe is mostly waiting on the camera, so a few per core.
 */
export class ProbeSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly size = Math.max(4, os.cpus().length * 4)) {
    this.#free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
