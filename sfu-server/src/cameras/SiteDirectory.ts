import { AppError, type Site, type Township } from '@county/shared';

/**
 * The county's townships and sites. In memory for one node; like CameraStore it is async so
 * a shared store can replace it.
 */
export class SiteDirectory {
  readonly #townships = new Map<string, Township>();
  readonly #sites = new Map<string, Site>();

  async addTownship(t: Township): Promise<Township> {
    if (this.#townships.has(t.id)) throw new AppError('conflict', `township ${t.id} already exists`);
    this.#townships.set(t.id, { ...t });
    return t;
  }

  async addSite(s: Site): Promise<Site> {
    if (!this.#townships.has(s.townshipId)) throw new AppError('bad_request', `unknown township ${s.townshipId}`);
    if (this.#sites.has(s.id)) throw new AppError('conflict', `site ${s.id} already exists`);
    this.#sites.set(s.id, { ...s });
    return s;
  }

  async townships(): Promise<Township[]> {
    return [...this.#townships.values()];
  }

  async sites(): Promise<Site[]> {
    return [...this.#sites.values()];
  }

  async site(id: string): Promise<Site> {
    const s = this.#sites.get(id);
    if (!s) throw new AppError('bad_request', `unknown site ${id}`);
    return s;
  }
}
