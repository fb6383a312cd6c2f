import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';

/** Rendezvous hashing: each camera goes to one gateway, and few move when gateways come and go. */
function pickGateway(cameraId: string, gatewayIds: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const g of gatewayIds) {
    const score = crypto.createHash('sha1').update(`${g}/${cameraId}`).digest().readBigUInt64BE();
    if (score > bestScore) [best, bestScore] = [g, score];
  }
  return best;
}

/**
 * The camera gateways serving this SFU, by their stable id, and which camera each pulls.
 * A gateway whose link drops stays a member for `graceMs`: its cameras wait for it instead
 * of moving to another gateway and back (each move costs RTSP sessions and seconds of black).
 * `change` fires when the members change (a gateway joins, or one stayed away too long).
 */
export class CameraGateways extends EventEmitter<{ change: [] }> {
  readonly #connected = new Set<string>();
  readonly #away = new Map<string, NodeJS.Timeout>();
  /** cameraId -> gatewayId */
  readonly #owner = new Map<string, string>();

  constructor(private readonly graceMs: number) {
    super();
  }

  /** A gateway (re)connected: a returning one keeps what it had. */
  connected(gatewayId: string): void {
    const away = this.#away.get(gatewayId);
    clearTimeout(away);
    this.#away.delete(gatewayId);
    const joined = !away && !this.#connected.has(gatewayId);
    this.#connected.add(gatewayId);
    if (joined) this.emit('change');
  }

  /** A gateway's link dropped: it stays a member for the grace period, then its cameras move. */
  disconnected(gatewayId: string): void {
    if (!this.#connected.delete(gatewayId)) return;
    const timer = setTimeout(() => {
      this.#away.delete(gatewayId);
      this.emit('change');
    }, this.graceMs);
    timer.unref();
    this.#away.set(gatewayId, timer);
  }

  isConnected(gatewayId: string): boolean {
    return this.#connected.has(gatewayId);
  }

  /** Members: connected, or away for less than the grace period. */
  get memberCount(): number {
    return this.#connected.size + this.#away.size;
  }

  ownerOf(cameraId: string): string | undefined {
    return this.#owner.get(cameraId);
  }

  /**
   * Places `cameraIds` over the members (connected or away) and returns the cameras whose
   * gateway changed (their old gateway stops pulling them).
   */
  place(cameraIds: string[]): string[] {
    const members = [...this.#connected, ...this.#away.keys()];
    const moved: string[] = [];
    const next = new Map<string, string>();
    for (const id of cameraIds) {
      const g = pickGateway(id, members);
      if (g !== undefined) next.set(id, g);
    }
    const wanted = new Set(cameraIds);
    for (const [id, g] of this.#owner) if (wanted.has(id) && next.get(id) !== g) moved.push(id);
    this.#owner.clear();
    for (const [id, g] of next) this.#owner.set(id, g);
    return moved;
  }

  close(): void {
    for (const timer of this.#away.values()) clearTimeout(timer);
    this.#away.clear();
  }
}
