import type { Redis } from 'ioredis';
import { AppError } from '@county/shared';
import { stored } from './redis';

/**
 * A collection of JSON-shaped records in Redis: one hash per record (`<prefix>:<id>`, each
 * field a JSON value) and a set of ids (`<prefix>`). Every write is one atomic script, so a
 * record is never half-written, and an update never resurrects a deleted record. Fields set
 * to `undefined` in a patch are removed.
 *
 * Hand-written rather than an ORM: four scripts are the whole of it, and every node sees the
 * same records at once (the multi-node plan).
 */
export class RedisRecords<T extends { [K in keyof T]: unknown }> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly idOf: (record: T) => string,
  ) {
    defineScripts(redis);
  }

  private key(id: string): string {
    return `${this.prefix}:${id}`;
  }

  async list(): Promise<T[]> {
    return stored(`${this.prefix} list`, async () => {
      const ids = (await this.redis.smembers(this.prefix)).sort();
      if (ids.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.key(id));
      const results = (await pipeline.exec()) ?? [];
      const out: T[] = [];
      for (const [err, hash] of results) {
        if (err) throw err;
        const record = decode<T>(hash as Record<string, string>);
        if (record) out.push(record);
      }
      return out;
    });
  }

  async count(): Promise<number> {
    return stored(`${this.prefix} count`, () => this.redis.scard(this.prefix));
  }

  async get(id: string): Promise<T | undefined> {
    return stored(`${this.prefix} get`, async () => decode<T>(await this.redis.hgetall(this.key(id))));
  }

  /** `exists` when the id is taken, `full` when `max` records exist already. */
  async insert(record: T, max = 0): Promise<'inserted' | 'exists' | 'full'> {
    const id = this.idOf(record);
    return stored(`${this.prefix} insert`, async () => {
      const r = await (this.redis as ScriptedRedis).cvInsert(this.key(id), this.prefix, id, max, ...encode(record));
      return r === 1 ? 'inserted' : r === 0 ? 'exists' : 'full';
    });
  }

  /** Inserts, or refuses with a conflict naming the record (`township longli already exists`). */
  async add(record: T, max: number, what: string): Promise<T> {
    const r = await this.insert(record, max);
    if (r === 'exists') throw new AppError('conflict', `${what} ${this.idOf(record)} already exists`);
    if (r === 'full') throw new AppError('conflict', `${what} limit reached (${max})`);
    return record;
  }

  /** The record after the patch; undefined when it does not exist. */
  async update(id: string, patch: Partial<T>): Promise<T | undefined> {
    const set: string[] = [];
    const del: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) del.push(k);
      else set.push(k, JSON.stringify(v));
    }
    return stored(`${this.prefix} update`, async () => {
      const r = (await (this.redis as ScriptedRedis).cvUpdate(this.key(id), set.length / 2, ...set, ...del)) as string[] | null;
      if (!r) return undefined;
      const hash: Record<string, string> = {};
      for (let i = 0; i < r.length; i += 2) hash[r[i]!] = r[i + 1]!;
      return decode<T>(hash);
    });
  }

  async delete(id: string): Promise<boolean> {
    return stored(`${this.prefix} delete`, async () => (await (this.redis as ScriptedRedis).cvDelete(this.key(id), this.prefix, id)) === 1);
  }
}

function encode(record: object): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out.push(k, JSON.stringify(v));
  return out;
}

function decode<T>(hash: Record<string, string>): T | undefined {
  const keys = Object.keys(hash);
  if (keys.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = JSON.parse(hash[k]!);
  return out as T;
}

type ScriptedRedis = Redis & {
  cvInsert(key: string, index: string, id: string, max: number, ...fields: string[]): Promise<number>;
  cvUpdate(key: string, setPairs: number, ...fieldsThenDeletes: string[]): Promise<unknown>;
  cvDelete(key: string, index: string, id: string): Promise<number>;
};

const defined = new WeakSet<Redis>();
function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  defined.add(redis);
  // KEYS: record, index. ARGV: id, max (0 = none), field, value, ...
  redis.defineCommand('cvInsert', {
    numberOfKeys: 2,
    lua: `
      if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
      local max = tonumber(ARGV[2])
      if max > 0 and redis.call('SCARD', KEYS[2]) >= max then return -1 end
      redis.call('HSET', KEYS[1], unpack(ARGV, 3))
      redis.call('SADD', KEYS[2], ARGV[1])
      return 1`,
  });
  // KEYS: record. ARGV: number of pairs, field, value, ..., then fields to delete.
  redis.defineCommand('cvUpdate', {
    numberOfKeys: 1,
    lua: `
      if redis.call('EXISTS', KEYS[1]) == 0 then return false end
      local pairs = tonumber(ARGV[1])
      if pairs > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * pairs)) end
      if #ARGV > 1 + 2 * pairs then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 + 2 * pairs)) end
      return redis.call('HGETALL', KEYS[1])`,
  });
  redis.defineCommand('cvDelete', {
    numberOfKeys: 2,
    lua: `
      redis.call('SREM', KEYS[2], ARGV[1])
      return redis.call('DEL', KEYS[1])`,
  });
}
