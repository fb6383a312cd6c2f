import type { Redis } from 'ioredis';
import { AppError, type Meeting } from '@county/shared';
import { RedisRecords } from '../store/RedisRecords';

/** Meetings, in Redis: who is invited, who hosts, whether it ended, its latest roll call. */
export class MeetingStore {
  readonly #records: RedisRecords<Meeting>;

  constructor(redis: Redis) {
    this.#records = new RedisRecords<Meeting>(redis, 'cv:meeting', (m) => m.id);
  }

  async list(): Promise<Meeting[]> {
    return (await this.#records.list()).map(withDefaults);
  }

  async get(id: string): Promise<Meeting> {
    const m = await this.#records.get(id);
    if (!m) throw new AppError('not_found', `meeting ${id} not found`);
    return withDefaults(m);
  }

  create(m: Meeting): Promise<Meeting> {
    return this.#records.add(m, 10_000, 'meeting');
  }

  async update(id: string, patch: Partial<Omit<Meeting, 'id'>>): Promise<Meeting> {
    const m = await this.#records.update(id, patch);
    if (!m) throw new AppError('not_found', `meeting ${id} not found`);
    return withDefaults(m);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `meeting ${id} not found`);
  }
}

/** Meetings stored before hosts, units and status existed read as live, hosted by their creator. */
function withDefaults(m: Meeting): Meeting {
  return {
    ...m,
    usernames: m.usernames ?? [],
    units: m.units ?? [],
    host: m.host ?? m.createdBy,
    status: m.status ?? 'live',
    scheduledAt: m.scheduledAt ?? m.createdAt,
  };
}
