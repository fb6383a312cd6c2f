import { roomKind, type RoomId, type RoomKind } from '@county/shared';
import { DEFAULT_PEER_LIMITS, MediaPeer, type PeerLimits, type WebRtcOptions } from '../media/MediaPeer';
import type { WorkerPool } from '../media/WorkerPool';

/**
 * A signalling room: one LED-wall screen or one meeting. It owns its members' media peers;
 * closing the room closes them. Each peer sits on the least-loaded router, not on one router
 * per room: the room's viewers spread over every worker (producers are piped to the routers
 * that consume them), so a wall watched by many, or a large meeting, is not held to one core.
 */
export class Room {
  readonly kind: RoomKind;
  readonly #peers = new Map<string, MediaPeer>();

  constructor(
    readonly id: RoomId,
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    private readonly limits: PeerLimits = DEFAULT_PEER_LIMITS,
  ) {
    this.kind = roomKind(id);
  }

  /**
   * A new member's media on the least-loaded router. `onMediaLost` runs if that router dies
   * with its worker while the member is here: their page joins again (other members are untouched).
   */
  addPeer(peerId: string, onConsumerClosed: (consumerId: string) => void, onMediaLost: () => void = () => undefined): MediaPeer {
    this.#peers.get(peerId)?.close();
    const router = this.pool.leastLoadedRouter();
    const peer = new MediaPeer(peerId, router, this.pool, this.webRtc, onConsumerClosed, this.limits);
    this.#peers.set(peerId, peer);
    router.observer.once('close', () => {
      if (this.#peers.get(peerId) === peer) onMediaLost();
    });
    return peer;
  }

  peer(peerId: string): MediaPeer | undefined {
    return this.#peers.get(peerId);
  }

  removePeer(peerId: string): void {
    this.#peers.get(peerId)?.close();
    this.#peers.delete(peerId);
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  close(): void {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }
}
