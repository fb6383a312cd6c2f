import type { RoomId } from '@county/shared';
import { DEFAULT_PEER_LIMITS, type PeerLimits, type WebRtcOptions } from '../media/MediaPeer';
import type { WorkerPool } from '../media/WorkerPool';
import { Room } from './Room';

/** Rooms exist while someone is in them; each is placed on the least-loaded router. */
export class Rooms {
  readonly #rooms = new Map<RoomId, Room>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    private readonly limits: PeerLimits = DEFAULT_PEER_LIMITS,
  ) {}

  getOrCreate(id: RoomId): Room {
    let room = this.#rooms.get(id);
    if (!room || room.router.closed) {
      const created = new Room(id, this.pool.leastLoadedRouter(), this.pool, this.webRtc, this.limits);
      created.onMediaLost(() => {
        if (this.#rooms.get(id) === created) this.#rooms.delete(id);
        created.close();
        this.onMediaLost(id);
      });
      this.#rooms.set(id, created);
      room = created;
    }
    return room;
  }

  get(id: RoomId): Room | undefined {
    return this.#rooms.get(id);
  }

  /** Told when a room's media died; members must join again (set by signalling). */
  onMediaLost: (roomId: RoomId) => void = () => undefined;

  leave(room: Room, peerId: string): void {
    room.removePeer(peerId);
    if (room.peerCount === 0 && this.#rooms.get(room.id) === room) {
      room.close();
      this.#rooms.delete(room.id);
    }
  }

  get count(): number {
    return this.#rooms.size;
  }

  closeAll(): void {
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }
}
