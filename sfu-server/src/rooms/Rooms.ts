import type { RoomId } from '@county/shared';
import { DEFAULT_PEER_LIMITS, type PeerLimits, type WebRtcOptions } from '../media/MediaPeer';
import type { WorkerPool } from '../media/WorkerPool';
import { Room } from './Room';

/** Rooms exist while someone is in them; their members' media spread over the workers (see Room). */
export class Rooms {
  readonly #rooms = new Map<RoomId, Room>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    private readonly limits: PeerLimits = DEFAULT_PEER_LIMITS,
  ) {}

  getOrCreate(id: RoomId): Room {
    let room = this.#rooms.get(id);
    if (!room) {
      room = new Room(id, this.pool, this.webRtc, this.limits);
      this.#rooms.set(id, room);
    }
    return room;
  }

  get(id: RoomId): Room | undefined {
    return this.#rooms.get(id);
  }

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
