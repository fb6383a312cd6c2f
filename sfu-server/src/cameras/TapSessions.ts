import { AppError } from '@county/shared';
import { RtpTap } from '../media/RtpTap';
import type { TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';

/** How long a session waits for a starting camera's first video. */
export const TAP_WAIT_MS = 15_000;

/**
 * On-demand ffmpeg work on a camera's live video (snapshots, HLS): one session per camera,
 * started by the first request (several concurrent requests share the start), kept while
 * requests keep coming and ended `idleMs` after the last. A session holds the camera, so an
 * idle on-demand camera is pulled for as long as it lasts. A session whose ffmpeg ends (the
 * camera restarted, so its producer is new) is dropped; the next request starts afresh.
 */
export class TapSessions<S extends { proc: TapProcess }> {
  readonly #sessions = new Map<string, { session: S; idle: NodeJS.Timeout }>();
  readonly #starting = new Map<string, Promise<S>>();

  constructor(
    private readonly feeds: CameraFeeds,
    private readonly demand: CameraDemand,
    /** Names this kind of holder in CameraDemand ("snapshots", "hls"). */
    private readonly holder: string,
    private readonly idleMs: number,
    private readonly build: (cameraId: string, tap: RtpTap) => S,
    private readonly onEnd: (session: S) => void = () => undefined,
    /** Sessions (running and starting) across all cameras; past it a new camera is refused. */
    private readonly limit: { max: number; message: string } = { max: Infinity, message: '' },
  ) {}

  /** The camera's running session (started if needed); its idle clock restarts. */
  async get(cameraId: string): Promise<S> {
    const entry = this.#sessions.get(cameraId);
    if (entry && !entry.session.proc.exited) {
      this.#touch(cameraId, entry);
      return entry.session;
    }
    let starting = this.#starting.get(cameraId);
    if (!starting) {
      // Counted and claimed in one synchronous step: concurrent requests cannot pass the limit together.
      if (this.#countOthers(cameraId) >= this.limit.max) throw new AppError('unavailable', this.limit.message);
      starting = this.#start(cameraId).finally(() => this.#starting.delete(cameraId));
      this.#starting.set(cameraId, starting);
    }
    return starting;
  }

  async #start(cameraId: string): Promise<S> {
    await this.demand.hold(cameraId, this.holder);
    try {
      const { producer, router } = await this.feeds.waitForProducer(cameraId, TAP_WAIT_MS);
      const session = this.build(cameraId, await RtpTap.create(router, producer));
      const entry = { session, idle: setTimeout(() => this.#endLater(cameraId), this.idleMs) };
      entry.idle.unref();
      this.#sessions.set(cameraId, entry);
      session.proc.once('exit', () => {
        if (this.#sessions.get(cameraId) === entry) this.#endLater(cameraId);
      });
      return session;
    } catch (err) {
      this.demand.release(cameraId, this.holder);
      throw err;
    }
  }

  /** Cameras other than this one with a session, running or starting. */
  #countOthers(cameraId: string): number {
    const ids = new Set([...this.#starting.keys(), ...this.#sessions.keys()]);
    ids.delete(cameraId);
    return ids.size;
  }

  #touch(cameraId: string, entry: { idle: NodeJS.Timeout }): void {
    clearTimeout(entry.idle);
    entry.idle = setTimeout(() => this.#endLater(cameraId), this.idleMs);
    entry.idle.unref();
  }

  /** Ends a camera's session; resolves once its ffmpeg has exited. */
  /** From a timer or an exit: nobody waits, and end() only waits for ffmpeg's exit, which cannot fail. */
  #endLater(cameraId: string): void {
    this.end(cameraId).catch(() => undefined);
  }

  end(cameraId: string): Promise<void> {
    const entry = this.#sessions.get(cameraId);
    if (!entry) return Promise.resolve();
    this.#sessions.delete(cameraId);
    clearTimeout(entry.idle);
    entry.session.proc.tap.close();
    const stopped = entry.session.proc.stop();
    this.demand.release(cameraId, this.holder);
    this.onEnd(entry.session);
    return stopped;
  }

  get size(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((id) => this.end(id)));
  }
}
