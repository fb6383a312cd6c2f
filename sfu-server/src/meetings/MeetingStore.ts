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

  async create(m: Meeting): Promise<Meeting> {
    const r = await this.#records.insert(m, 10_000);
    if (r === 'exists') throw new AppError('conflict', `meeting ${m.id} already exists`);
    if (r === 'full') throw new AppError('conflict', 'meeting limit reached');
    return m;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `meeting ${id} not found`);
  }
}
