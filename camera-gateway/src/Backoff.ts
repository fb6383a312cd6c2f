/**
 * Exponential backoff with jitter, so a township's cameras that dropped together (one
 * fibre cut) do not all hammer the network at the same instant when it returns.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    readonly baseMs = 1000,
    readonly maxMs = 30_000,
    readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    const spread = raw * this.jitter;
    return Math.round(raw - spread + 2 * spread * this.random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}
