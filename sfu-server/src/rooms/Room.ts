import type { types } from 'mediasoup';
import { roomKind, type RoomId, type RoomKind } from '@county/shared';
import { DEFAULT_PEER_LIMITS, MediaPeer, type PeerLimits, type WebRtcOptions } from '../media/MediaPeer';
import type { WorkerPool } from '../media/WorkerPool';

/**
 * A signalling room: one LED-wall screen or one meeting. It owns its members' media peers
 * on one router; closing the room closes them. Wall- and meeting-specific behaviour
 * (layouts, roll call) will live beside this, keyed by `kind`.
 */
export class Room {
  readonly kind: RoomKind;
  readonly #peers = new Map<string, MediaPeer>();

  constructor(
    readonly id: RoomId,
    readonly router: types.Router,
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    private readonly limits: PeerLimits = DEFAULT_PEER_LIMITS,
  ) {
    this.kind = roomKind(id);
  }

  /** Runs when the room's router dies with its worker (not on a normal close). */
  onMediaLost(listener: () => void): void {
    this.router.observer.once('close', () => {
      if (this.#peers.size > 0) listener();
    });
  }

  addPeer(peerId: string, onConsumerClosed: (consumerId: string) => void): MediaPeer {
    this.#peers.get(peerId)?.close();
    const peer = new MediaPeer(peerId, this.router, this.pool, this.webRtc, onConsumerClosed, this.limits);
    this.#peers.set(peerId, peer);
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
