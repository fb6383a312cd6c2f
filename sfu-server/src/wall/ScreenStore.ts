import type { Redis } from 'ioredis';
import { AppError, type Screen, type WallPreset } from '@county/shared';
import { RedisRecords } from '../store/RedisRecords';

/** Bounds on what a client can make the county store: far above any real wall. */
export const MAX_SCREENS = 200;
export const MAX_PRESETS = 500;

/** Saved screens (`cv:screen`) and wall presets (`cv:wall-preset`), in Redis. */
export class ScreenStore {
  readonly #screens: RedisRecords<Screen>;
  readonly #presets: RedisRecords<WallPreset>;

  constructor(redis: Redis) {
    this.#screens = new RedisRecords<Screen>(redis, 'cv:screen', (s) => s.id);
    this.#presets = new RedisRecords<WallPreset>(redis, 'cv:wall-preset', (p) => p.id);
  }

  screens(): Promise<Screen[]> {
    return this.#screens.list();
  }

  screen(id: string): Promise<Screen | undefined> {
    return this.#screens.get(id);
  }

  /** Replaces the screen, or stores it as a new one within MAX_SCREENS. */
  saveScreen(s: Screen): Promise<'created' | 'replaced'> {
    return upsert(this.#screens, s.id, s, MAX_SCREENS, 'screen');
  }

  presets(): Promise<WallPreset[]> {
    return this.#presets.list();
  }

  async preset(id: string): Promise<WallPreset> {
    const p = await this.#presets.get(id);
    if (!p) throw new AppError('not_found', `preset ${id} not found`);
    return p;
  }

  savePreset(p: WallPreset): Promise<'created' | 'replaced'> {
    return upsert(this.#presets, p.id, p, MAX_PRESETS, 'preset');
  }

  async deletePreset(id: string): Promise<void> {
    if (!(await this.#presets.delete(id))) throw new AppError('not_found', `preset ${id} not found`);
  }
}

/**
 * Update if present, else insert under the cap. A record inserted by another request between
 * the two steps is then replaced: the last save wins, as if they had come in order.
 * Every field of these records is always set, so an update replaces the whole record.
 */
async function upsert<T extends { [K in keyof T]: unknown }>(
  records: RedisRecords<T>,
  id: string,
  record: T,
  max: number,
  what: string,
): Promise<'created' | 'replaced'> {
  if (await records.update(id, record)) return 'replaced';
  const r = await records.insert(record, max);
  if (r === 'full') throw new AppError('conflict', `${what} limit reached (${max})`);
  if (r === 'exists') await records.update(id, record);
  return r === 'inserted' ? 'created' : 'replaced';
}
