import type { Redis } from 'ioredis';
import type { CameraInput, CameraStatus } from '@county/shared';
import { RedisRecords } from '../store/RedisRecords';

export interface CameraRecord extends CameraInput {
  /** Taken from the camera's site. */
  townshipId?: string;
  status: CameraStatus;
  statusReason?: string;
  statusSince: string;
}

/**
 * Where cameras live: Redis, so they outlive the process and every node sees the same set.
 * A write resolves only after Redis has it (see docs/store.md for fsync).
 */
export class CameraStore {
  readonly #records: RedisRecords<CameraRecord>;

  constructor(redis: Redis) {
    this.#records = new RedisRecords<CameraRecord>(redis, 'cv:camera', (c) => c.id);
  }

  list(): Promise<CameraRecord[]> {
    return this.#records.list();
  }

  get(id: string): Promise<CameraRecord | undefined> {
    return this.#records.get(id);
  }

  count(): Promise<number> {
    return this.#records.count();
  }

  /** false when the id is taken. */
  async insert(record: CameraRecord): Promise<boolean> {
    return (await this.#records.insert(record)) === 'inserted';
  }

  /** undefined when the camera is gone. */
  update(id: string, patch: Partial<Omit<CameraRecord, 'id'>>): Promise<CameraRecord | undefined> {
    return this.#records.update(id, patch);
  }

  delete(id: string): Promise<boolean> {
    return this.#records.delete(id);
  }
}
