import type { Redis } from 'ioredis';
import { AppError, type IncomingCall, type Meeting } from '@county/shared';
import { stored } from '../store/redis';
import { RedisRecords } from '../store/RedisRecords';

/** A call rings this long, on every page its callee opens meanwhile. */
const RING_S = 60;

/** Meetings, in Redis: who is invited, who hosts, whether it ended, its latest roll call. */
export class MeetingStore {
  readonly #records: RedisRecords<Meeting>;

  constructor(private readonly redis: Redis) {
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

  /** Calls ring in Redis (with a time to live), so a page opened on any node sees them. */
  async ring(username: string, call: IncomingCall): Promise<void> {
    await stored('ring', () => this.redis.set(ringKey(username, call.meetingId), JSON.stringify(call), 'EX', RING_S));
  }

  async ringing(username: string): Promise<IncomingCall[]> {
    return stored('ringing', async () => {
      const keys = await this.redis.keys(ringKey(username, '*'));
      const values = keys.length ? await this.redis.mget(keys) : [];
      return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as IncomingCall);
    });
  }

  /** True when it was still ringing. */
  async stopRinging(username: string, meetingId: string): Promise<boolean> {
    return stored('stop ringing', async () => (await this.redis.del(ringKey(username, meetingId))) === 1);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `meeting ${id} not found`);
  }
}

const ringKey = (username: string, meetingId: string) => `cv:ring:${username}:${meetingId}`;

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
