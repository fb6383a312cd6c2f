import type { Redis } from 'ioredis';
import { AppError, type CameraView, type IncidentInput, type Plan, type PlanInput, type RunPlan } from '@county/shared';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import { RedisRecords } from '../store/RedisRecords';
import type { Screens } from '../wall/Screens';

export const MAX_PLANS = 500;

/**
 * Emergency plans (应急预案): per kind of event, which cameras (listed, or every stream of a
 * site) go on which screen. Stored in Redis (`cv:plan`); running one opens an incident.
 */
export class Plans {
  readonly #records: RedisRecords<Plan>;
  readonly #screens: Screens;
  readonly #registry: CameraRegistry;
  readonly #sites: SiteDirectory;

  constructor(redis: Redis, deps: { screens: Screens; registry: CameraRegistry; sites: SiteDirectory }) {
    this.#records = new RedisRecords<Plan>(redis, 'cv:plan', (p) => p.id);
    this.#screens = deps.screens;
    this.#registry = deps.registry;
    this.#sites = deps.sites;
  }

  list(): Promise<Plan[]> {
    return this.#records.list();
  }

  /** Where a plan reaches: its site, or each of its cameras' township and site (for scoping lists). */
  async placesOf(plan: Plan): Promise<{ townshipId?: string; siteId?: string }[]> {
    if (plan.siteId) {
      const site = await this.#sites.site(plan.siteId).catch(() => undefined);
      return [{ siteId: plan.siteId, townshipId: site?.townshipId }];
    }
    const cameras = new Map((await this.#registry.list()).map((c) => [c.id, c]));
    return (plan.cameraIds ?? []).map((id) => ({ townshipId: cameras.get(id)?.townshipId, siteId: cameras.get(id)?.siteId }));
  }

  async get(id: string): Promise<Plan> {
    const p = await this.#records.get(id);
    if (!p) throw new AppError('not_found', `plan ${id} not found`);
    return p;
  }

  /** Creates the plan or replaces the one with its id; everything it names must exist. */
  async save(input: PlanInput): Promise<{ plan: Plan; created: boolean }> {
    if (!(await this.#screens.list()).some((s) => s.id === input.screenId)) throw new AppError('bad_request', `unknown screen ${input.screenId} (save it first)`);
    if (input.siteId) await this.#sites.site(input.siteId);
    for (const id of input.cameraIds ?? []) if (!(await this.#registry.exists(id))) throw new AppError('bad_request', `unknown camera ${id}`);
    const plan: Plan = { ...input };
    // Replaced as a whole: a plan switched from cameras to a site loses its camera list (undefined deletes a field).
    const whole = { ...plan, cameraIds: plan.cameraIds, siteId: plan.siteId };
    if (await this.#records.update(plan.id, whole)) return { plan, created: false };
    const r = await this.#records.insert(plan, MAX_PLANS);
    if (r === 'full') throw new AppError('conflict', `plan limit reached (${MAX_PLANS})`);
    if (r === 'exists') await this.#records.update(plan.id, whole);
    return { plan, created: r === 'inserted' };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#records.delete(id))) throw new AppError('not_found', `plan ${id} not found`);
  }

  /**
   * The incident a run of the plan opens: its cameras (a site's streams, panorama first), its
   * township (given, else the site's, else the first camera's) and a title (given, else the plan's name).
   */
  async incidentFor(id: string, run: RunPlan): Promise<IncidentInput> {
    const plan = await this.get(id);
    const cameras = await this.#registry.list();
    let chosen: CameraView[];
    if (plan.siteId) {
      const rank = (c: CameraView) => (c.kind === 'panorama' ? 0 : c.kind === 'close' ? 1 : 2);
      chosen = cameras.filter((c) => c.siteId === plan.siteId).sort((a, b) => rank(a) - rank(b)).slice(0, 16);
      if (chosen.length === 0) throw new AppError('bad_request', `plan ${id}: site ${plan.siteId} has no cameras`);
    } else {
      const byId = new Map(cameras.map((c) => [c.id, c]));
      const missing = (plan.cameraIds ?? []).find((c) => !byId.has(c));
      if (missing) throw new AppError('bad_request', `plan ${id}: unknown camera ${missing}`);
      chosen = (plan.cameraIds ?? []).map((c) => byId.get(c)!);
    }
    const siteTownship = plan.siteId ? (await this.#sites.site(plan.siteId)).townshipId : undefined;
    const townshipId = run.townshipId ?? siteTownship ?? chosen.find((c) => c.townshipId)?.townshipId;
    if (!townshipId) throw new AppError('bad_request', `townshipId: required (plan ${id} names no township)`);
    const input: IncidentInput = {
      title: run.title ?? plan.name,
      townshipId,
      cameraIds: chosen.map((c) => c.id),
      severity: run.severity ?? 'warning',
      screenId: plan.screenId,
    };
    if (plan.siteId) input.siteId = plan.siteId;
    return input;
  }
}
