import type { Redis } from 'ioredis';
import {
  AppError,
  LAYOUT_TILES,
  padTiles,
  type Screen,
  type Tour,
  type TourInput,
  type TourState,
  type TourStep,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import { RedisRecords } from '../store/RedisRecords';
import type { Screens } from './Screens';

/** Far above any real wall: a runaway client cannot fill the store. */
export const MAX_TOURS = 500;
/** How often a node looks for running tours it has no timer for (started on another node). */
const SWEEP_MS = 5000;

/**
 * Tours (轮巡): a screen or one tile steps through cameras or presets, `dwellS` seconds each.
 * Tours and where each one is (`state`) live in Redis (`cv:tour`), so a restarted server
 * resumes running tours where they were; the timers live in this node. Each step is an
 * ordinary screen change (Screens.put / applyPreset), so pages and consoles hear
 * `screen:updated`. An operator's manual change to the tour's tile or screen does not stop
 * the tour: the next step overwrites it (stop the tour to keep a manual picture).
 *
 * Several nodes: every node keeps a timer for every running tour (a sweep picks up tours
 * started elsewhere), and a step is shown by whichever node first claims it in Redis
 * (SET NX on the tour and the step it leaves), so a tour steps once per dwell whatever the
 * number of nodes, and carries on when the node that started it goes away.
 */
export class Tours {
  readonly #records: RedisRecords<Tour>;
  readonly #screens: Screens;
  readonly #registry: CameraRegistry;
  readonly #minDwellS: number;
  readonly #logger: Logger;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Per tour, the last queued operation: start, stop, save, delete and steps of one tour never interleave. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #closed = false;
  #sweep: NodeJS.Timeout | undefined;
  readonly #redis: Redis;

  constructor(redis: Redis, screens: Screens, registry: CameraRegistry, opts: { minDwellS: number; logger: Logger }) {
    this.#redis = redis;
    this.#records = new RedisRecords<Tour>(redis, 'cv:tour', (t) => t.id);
    this.#screens = screens;
    this.#registry = registry;
    this.#minDwellS = opts.minDwellS;
    this.#logger = opts.logger;
  }

  list(): Promise<Tour[]> {
    return this.#records.list();
  }

  async get(id: string): Promise<Tour> {
    const t = await this.#records.get(id);
    if (!t) throw new AppError('not_found', `tour ${id} not found`);
    return t;
  }

  /** Creates the tour or replaces the one with its id (which stops it). Checked as a whole first. */
  async save(input: TourInput, by: string): Promise<{ tour: Tour; created: boolean }> {
    await this.#check(input);
    return this.#serial(input.id, async () => {
      this.#clearTimer(input.id);
      const tour: Tour = { ...input, createdBy: by, state: { running: false, step: 0, since: new Date().toISOString(), by } };
      if (input.target.tileIndex === undefined) delete tour.target.tileIndex;
      if (await this.#records.update(input.id, tour)) return { tour, created: false };
      const r = await this.#records.insert(tour, MAX_TOURS);
      if (r === 'full') throw new AppError('conflict', `tour limit reached (${MAX_TOURS})`);
      if (r === 'exists') await this.#records.update(input.id, tour);
      return { tour, created: r === 'inserted' };
    });
  }

  delete(id: string): Promise<void> {
    return this.#serial(id, async () => {
      this.#clearTimer(id);
      if (!(await this.#records.delete(id))) throw new AppError('not_found', `tour ${id} not found`);
    });
  }

  /**
   * Shows the first step now and the next every `dwellS`. Starting a running tour starts it
   * over. A first step that cannot be shown refuses the start (nothing changes).
   */
  start(id: string, by: string): Promise<Tour> {
    return this.#serial(id, async () => {
      const tour = await this.get(id);
      this.#clearTimer(id);
      await this.#show(tour, tour.steps[0]!);
      const started = await this.#setState(tour, { running: true, step: 0, since: new Date().toISOString(), by });
      this.#schedule(id, started.dwellS * 1000);
      return started;
    });
  }

  /** Leaves the current step on the screen and stops stepping. */
  stop(id: string, by: string): Promise<Tour> {
    return this.#serial(id, async () => {
      const tour = await this.get(id);
      this.#clearTimer(id);
      return this.#setState(tour, { running: false, step: tour.state.step, since: new Date().toISOString(), by });
    });
  }

  /**
   * After a restart: running tours carry on, the current step for what is left of its dwell;
   * from then on, tours started on other nodes are picked up every few seconds.
   */
  async resume(): Promise<number> {
    const n = await this.#adopt();
    if (!this.#closed && !this.#sweep) {
      this.#sweep = setInterval(() => void this.#adopt().catch((err: unknown) => this.#logger.warn({ err }, 'tour sweep failed')), SWEEP_MS);
      this.#sweep.unref();
    }
    return n;
  }

  /** Timers for running tours this node has none for; the number of running tours. */
  async #adopt(): Promise<number> {
    const running = (await this.#records.list()).filter((t) => t.state.running);
    const adopted: string[] = [];
    for (const t of running) {
      if (this.#timers.has(t.id) || this.#queues.has(t.id)) continue;
      const left = Date.parse(t.state.since) + t.dwellS * 1000 - Date.now();
      this.#schedule(t.id, Math.max(0, Math.min(left, t.dwellS * 1000)));
      adopted.push(t.id);
    }
    if (adopted.length) this.#logger.info({ tours: adopted }, 'running tours followed');
    return running.length;
  }

  /** Clears every timer and waits for steps under way; the tours stay running in Redis for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const id of [...this.#timers.keys()]) this.#clearTimer(id);
    await Promise.allSettled([...this.#queues.values()]);
  }

  /** One step further. A step that cannot be shown (camera or preset removed since) is noted and skipped. */
  async #advance(id: string): Promise<void> {
    let dwellMs: number | undefined;
    try {
      const tour = await this.#records.get(id);
      if (!tour?.state.running || this.#closed) return;
      dwellMs = tour.dwellS * 1000;
      // Stepped (or restarted) meanwhile by another node: wait for the step's own end.
      const due = Date.parse(tour.state.since) + dwellMs;
      if (due - Date.now() > 50) {
        dwellMs = due - Date.now();
        return;
      }
      // One node shows this step: the first to claim leaving the current one.
      const claimed = await this.#redis.set(`cv:tour-step:${id}:${tour.state.since}`, '1', 'PX', 2 * dwellMs, 'NX');
      if (claimed !== 'OK') return;
      const step = (tour.state.step + 1) % tour.steps.length;
      const state: TourState = { running: true, step, since: new Date().toISOString(), by: tour.state.by };
      try {
        await this.#show(tour, tour.steps[step]!);
      } catch (err) {
        state.error = err instanceof AppError ? err.message : 'internal error';
        this.#logger.warn({ err, tour: id, step }, 'tour step could not be shown; going on');
      }
      await this.#setState(tour, state);
    } catch (err) {
      // Redis away: try again after a dwell, the tour is still running as far as we know.
      this.#logger.error({ err, tour: id }, 'tour step failed');
    }
    if (dwellMs !== undefined && !this.#closed) this.#schedule(id, dwellMs);
  }

  async #show(tour: Tour, step: TourStep): Promise<Screen> {
    const by = `tour:${tour.id}`;
    const { screenId, tileIndex } = tour.target;
    if ('presetId' in step) return this.#screens.applyPreset(screenId, step.presetId, by);
    const screen = await this.#screens.get(screenId);
    if (tileIndex === undefined) return this.#screens.put(screenId, { name: screen.name, layout: '1', tiles: [{ cameraId: step.cameraId }] }, by);
    if (tileIndex >= LAYOUT_TILES[screen.layout]) {
      throw new AppError('bad_request', `tile ${tileIndex + 1}: screen ${screenId} (layout ${screen.layout}) has no such tile`);
    }
    // Read-modify-write of the whole screen: an operator's change to another tile in the same instant can be lost.
    const tiles = padTiles(screen.layout, screen.tiles);
    tiles[tileIndex] = { cameraId: step.cameraId };
    return this.#screens.put(screenId, { name: screen.name, layout: screen.layout, tiles }, by);
  }

  async #setState(tour: Tour, state: TourState): Promise<Tour> {
    const updated = await this.#records.update(tour.id, { state });
    if (!updated) throw new AppError('not_found', `tour ${tour.id} not found`);
    return updated;
  }

  /** Everything a tour names exists, and its dwell is within bounds: refused as a whole otherwise. */
  async #check(t: TourInput): Promise<void> {
    if (t.dwellS < this.#minDwellS) throw new AppError('bad_request', `dwellS: at least ${this.#minDwellS} seconds`);
    const screen = (await this.#screens.list()).find((s) => s.id === t.target.screenId);
    if (!screen) throw new AppError('bad_request', `target: unknown screen ${t.target.screenId} (save it first)`);
    if (t.target.tileIndex !== undefined && t.target.tileIndex >= LAYOUT_TILES[screen.layout]) {
      throw new AppError('bad_request', `target: screen ${screen.id} (layout ${screen.layout}) has no tile ${t.target.tileIndex + 1}`);
    }
    const presets = new Set((await this.#screens.presets()).map((p) => p.id));
    for (const [i, step] of t.steps.entries()) {
      if ('cameraId' in step && !(await this.#registry.exists(step.cameraId))) throw new AppError('bad_request', `step ${i + 1}: unknown camera ${step.cameraId}`);
      if ('presetId' in step && !presets.has(step.presetId)) throw new AppError('bad_request', `step ${i + 1}: unknown preset ${step.presetId}`);
    }
  }

  #schedule(id: string, ms: number): void {
    if (this.#closed) return;
    this.#clearTimer(id);
    const timer = setTimeout(() => {
      this.#serial(id, async () => {
        if (this.#timers.get(id) !== timer) return; // stopped, restarted or deleted since it fired
        this.#timers.delete(id);
        await this.#advance(id);
      }).catch((err: unknown) => this.#logger.error({ err, tour: id }, 'tour step failed'));
    }, ms);
    this.#timers.set(id, timer);
  }

  #clearTimer(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(id) ?? Promise.resolve()).then(() => fn());
    const settled = run.catch(() => undefined);
    this.#queues.set(id, settled);
    settled.then(
      () => this.#queues.get(id) === settled && this.#queues.delete(id),
      () => undefined,
    );
    return run;
  }
}
