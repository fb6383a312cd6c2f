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

  /**
   * Calls ring in Redis, so a page opened on any node sees them: one hash per user (meeting ->
   * the call and when it stops ringing), expiring with its newest call; past calls are dropped
   * as they are read. (No KEYS scan: that would walk every key of the county's Redis.)
   */
  async ring(username: string, call: IncomingCall): Promise<void> {
    const until = Date.now() + RING_S * 1000;
    await stored('ring', () => this.redis.multi().hset(ringKey(username), call.meetingId, JSON.stringify({ call, until })).expire(ringKey(username), RING_S).exec());
  }

  async ringing(username: string): Promise<IncomingCall[]> {
    const all = await stored('ringing', () => this.redis.hgetall(ringKey(username)));
    const now = Date.now();
    const live: IncomingCall[] = [];
    const past: string[] = [];
    for (const [meetingId, value] of Object.entries(all)) {
      const { call, until } = JSON.parse(value) as { call: IncomingCall; until: number };
      if (until > now) live.push(call);
      else past.push(meetingId);
    }
    if (past.length) await stored('ringing', () => this.redis.hdel(ringKey(username), ...past));
    return live;
  }

  /** True when it was still ringing. */
  async stopRinging(username: string, meetingId: string): Promise<boolean> {
    return stored('stop ringing', async () => (await this.redis.hdel(ringKey(username), meetingId)) === 1);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `meeting ${id} not found`);
  }
}

const ringKey = (username: string) => `cv:ring:${username}`;

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
