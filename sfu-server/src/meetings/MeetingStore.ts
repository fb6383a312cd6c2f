import type { Redis } from 'ioredis';
import { AppError, type Meeting } from '@county/shared';
import { RedisRecords } from '../store/RedisRecords';

/** Scheduled meetings, in Redis; the meeting room (roll call, host controls) builds on these. */
export class MeetingStore {
  readonly #records: RedisRecords<Meeting>;

  constructor(redis: Redis) {
    this.#records = new RedisRecords<Meeting>(redis, 'cv:meeting', (m) => m.id);
  }

  list(): Promise<Meeting[]> {
    return this.#records.list();
  }

  async get(id: string): Promise<Meeting> {
    const m = await this.#records.get(id);
    if (!m) throw new AppError('not_found', `meeting ${id} not found`);
    return m;
  }

  create(m: Meeting): Promise<Meeting> {
    return this.#records.add(m, 10_000, 'meeting');
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `meeting ${id} not found`);
  }
}
