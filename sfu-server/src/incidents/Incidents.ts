import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, layoutForCameras, type Incident, type IncidentInput, type IncidentStatus } from '@county/shared';
import type { Resource } from '../auth/permissions';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import { RedisRecords } from '../store/RedisRecords';
import type { Screens } from '../wall/Screens';

export const MAX_INCIDENTS = 100_000;

/** Where an incident belongs: township users see their township's, inspectors their sites'. */
export function incidentResource(i: { townshipId: string; siteId?: string }): Resource {
  return { kind: 'site', townshipId: i.townshipId, siteId: i.siteId };
}

/**
 * Incidents (事件): opening one puts its cameras on its screen (the layout that fits them, the
 * first camera in the big tile) and records it in Redis (`cv:incident`); its history is the
 * audit log's `incident:<id>` entries. Closing it leaves the screen as it is.
 */
export class Incidents {
  readonly #records: RedisRecords<Incident>;
  readonly #screens: Screens;
  readonly #registry: CameraRegistry;
  readonly #sites: SiteDirectory;

  constructor(redis: Redis, deps: { screens: Screens; registry: CameraRegistry; sites: SiteDirectory }) {
    this.#records = new RedisRecords<Incident>(redis, 'cv:incident', (i) => i.id);
    this.#screens = deps.screens;
    this.#registry = deps.registry;
    this.#sites = deps.sites;
  }

  /** A fresh id, known before the incident exists so a refused attempt is audited under it too: `20250612-0815-3fa9`. */
  static newId(now = new Date()): string {
    const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    return `${stamp}-${randomBytes(2).toString('hex')}`;
  }

  /** Newest first. */
  async list(status?: IncidentStatus): Promise<Incident[]> {
    const all = await this.#records.list();
    return all.filter((i) => !status || i.status === status).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
  }

  async get(id: string): Promise<Incident> {
    const i = await this.#records.get(id);
    if (!i) throw new AppError('not_found', `incident ${id} not found`);
    return i;
  }

  /** Checked as a whole (township, site, cameras, screen) before the screen changes and the incident is stored. */
  async open(input: IncidentInput, by: string, opts: { id: string; planId?: string }): Promise<Incident> {
    const cameraIds = [...new Set(input.cameraIds)];
    if (!(await this.#sites.township(input.townshipId))) throw new AppError('bad_request', `unknown township ${input.townshipId}`);
    if (input.siteId) {
      const site = await this.#sites.site(input.siteId);
      if (site.townshipId !== input.townshipId) throw new AppError('bad_request', `site ${site.id} is not in township ${input.townshipId}`);
    }
    for (const id of cameraIds) if (!(await this.#registry.exists(id))) throw new AppError('bad_request', `unknown camera ${id}`);
    const screen = (await this.#screens.list()).find((s) => s.id === input.screenId);
    if (!screen) throw new AppError('bad_request', `unknown screen ${input.screenId} (save it first)`);
    if (await this.#records.get(opts.id)) throw new AppError('conflict', `incident ${opts.id} already exists`);

    await this.#screens.put(screen.id, { name: screen.name, layout: layoutForCameras(cameraIds.length), tiles: cameraIds.map((cameraId) => ({ cameraId })) }, by);
    const incident: Incident = { ...input, cameraIds, id: opts.id, status: 'open', openedBy: by, openedAt: new Date().toISOString() };
    if (input.siteId === undefined) delete incident.siteId;
    if (opts.planId) incident.planId = opts.planId;
    return this.#records.add(incident, MAX_INCIDENTS, 'incident');
  }

  /** Records the meeting the incident started (see the plan run route). */
  async attachMeeting(id: string, meetingId: string): Promise<Incident> {
    const next = await this.#records.update(id, { meetingId });
    if (!next) throw new AppError('not_found', `incident ${id} not found`);
    return next;
  }

  /** Closing leaves the screen showing what it shows: the operator decides what comes next. */
  async close(id: string, by: string): Promise<Incident> {
    const i = await this.get(id);
    if (i.status === 'closed') throw new AppError('conflict', `incident ${id} is already closed`);
    const closed = await this.#records.update(id, { status: 'closed', closedBy: by, closedAt: new Date().toISOString() });
    if (!closed) throw new AppError('not_found', `incident ${id} not found`);
    return closed;
  }
}
