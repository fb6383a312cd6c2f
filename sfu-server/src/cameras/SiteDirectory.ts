import type { Redis } from 'ioredis';
import { AppError, type MapPosition, type Site, type Township } from '@county/shared';
import { RedisRecords } from '../store/RedisRecords';

/** The county's townships and sites, in Redis beside the cameras. */
export class SiteDirectory {
  readonly #townships: RedisRecords<Township>;
  readonly #sites: RedisRecords<Site>;

  constructor(redis: Redis) {
    this.#townships = new RedisRecords<Township>(redis, 'cv:township', (t) => t.id);
    this.#sites = new RedisRecords<Site>(redis, 'cv:site', (s) => s.id);
  }

  async addTownship(t: Township): Promise<Township> {
    return this.#townships.add(t, 10_000, 'township');
  }

  async addSite(s: Site): Promise<Site> {
    if (!(await this.#townships.get(s.townshipId))) throw new AppError('bad_request', `unknown township ${s.townshipId}`);
    return this.#sites.add(s, 100_000, 'site');
  }

  townships(): Promise<Township[]> {
    return this.#townships.list();
  }

  async township(id: string): Promise<Township | undefined> {
    return this.#townships.get(id);
  }

  sites(): Promise<Site[]> {
    return this.#sites.list();
  }

  /** Puts a site's marker on the county map (null: takes it off). */
  async moveSite(id: string, position: MapPosition | null): Promise<Site> {
    const s = await this.#sites.update(id, { position: position ?? undefined });
    if (!s) throw new AppError('not_found', `unknown site ${id}`);
    return s;
  }

  /** Puts a township's name on the county map (null: takes it off). */
  async moveTownship(id: string, position: MapPosition | null): Promise<Township> {
    const t = await this.#townships.update(id, { position: position ?? undefined });
    if (!t) throw new AppError('not_found', `unknown township ${id}`);
    return t;
  }

  async site(id: string): Promise<Site> {
    const s = await this.#sites.get(id);
    if (!s) throw new AppError('bad_request', `unknown site ${id}`);
    return s;
  }
}
