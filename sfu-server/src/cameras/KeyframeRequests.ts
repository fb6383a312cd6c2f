import { AppError, parseFeedId } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from './CameraFeeds';
import type { CameraRegistry } from './CameraRegistry';
import type { OnvifDevices } from './OnvifDevices';

export interface KeyframeRequestOptions {
  /** At most one request per camera in this time; needs in between are coalesced into one after it. */
  minIntervalMs: number;
  /** After a failed request, no request for this long (doubling per failure up to `maxBackoffMs`). */
  backoffMs: number;
  maxBackoffMs: number;
}

const DEFAULTS: KeyframeRequestOptions = { minIntervalMs: 1000, backoffMs: 5_000, maxBackoffMs: 120_000 };

interface CameraState {
  lastSentAt: number;
  inFlight: boolean;
  /** A need not yet served: when it was first seen. */
  wantedSince: number | undefined;
  lastKeyframeAt: number;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  retryAt: number;
}

/**
 * Asks cameras for a keyframe (ONVIF Media SetSynchronizationPoint) when a viewer needs one.
 *
 * The gateway passes H.264 through and ffmpeg ignores PLI/FIR, so a new viewer (a new
 * consumer, a wall tile switched to the camera) would wait for the camera's next keyframe: up
 * to its GOP, often 4 s. The worker's keyframe requests towards a camera's producer (a
 * consumer that starts or a browser's PLI) surface as CameraFeeds `keyframeWanted`; for a
 * camera with ONVIF settings this turns them into one SetSynchronizationPoint, at most one
 * per `minIntervalMs` per camera (a burst becomes one request, and a need that a keyframe
 * served meanwhile sends none). Nothing waits on it; a device that fails is left alone for a
 * backoff and reported once.
 */
export class KeyframeRequests {
  readonly #cameras = new Map<string, CameraState>();
  readonly #options: KeyframeRequestOptions;
  #closed = false;
  /** Requests sent, answered with success, failed (for health and tests). */
  readonly counts = { sent: 0, ok: 0, failed: 0 };

  constructor(
    feeds: CameraFeeds,
    private readonly registry: Pick<CameraRegistry, 'on' | 'record'>,
    private readonly devices: OnvifDevices,
    private readonly logger: Logger,
    options: Partial<KeyframeRequestOptions> = {},
  ) {
    this.#options = { ...DEFAULTS, ...options };
    // ONVIF asks the camera's default profile, its main stream: a sub stream waits for its GOP.
    feeds.on('keyframeWanted', (id) => parseFeedId(id).stream === 'main' && this.want(id));
    feeds.on('keyframe', (id) => {
      const s = this.#cameras.get(id);
      if (s) s.lastKeyframeAt = Date.now();
    });
    registry.on('removed', (id) => this.#forget(id));
  }

  /** A viewer of this camera needs a keyframe. Returns at once. */
  want(cameraId: string): void {
    if (this.#closed) return;
    const s = this.#state(cameraId);
    if (s.retryAt > Date.now()) return; // its device failed lately
    s.wantedSince ??= Date.now();
    this.#schedule(cameraId, s);
  }

  close(): void {
    this.#closed = true;
    for (const id of [...this.#cameras.keys()]) this.#forget(id);
  }

  #state(cameraId: string): CameraState {
    let s = this.#cameras.get(cameraId);
    if (!s) {
      s = { lastSentAt: 0, inFlight: false, wantedSince: undefined, lastKeyframeAt: 0, timer: undefined, failures: 0, retryAt: 0 };
      this.#cameras.set(cameraId, s);
    }
    return s;
  }

  #forget(cameraId: string): void {
    const s = this.#cameras.get(cameraId);
    if (s?.timer) clearTimeout(s.timer);
    this.#cameras.delete(cameraId);
  }

  #schedule(cameraId: string, s: CameraState): void {
    if (this.#closed || s.inFlight || s.timer || s.wantedSince === undefined) return;
    const wait = s.lastSentAt + this.#options.minIntervalMs - Date.now();
    if (wait > 0) {
      s.timer = setTimeout(() => {
        s.timer = undefined;
        this.#schedule(cameraId, s);
      }, wait);
      s.timer.unref();
      return;
    }
    const since = s.wantedSince;
    s.wantedSince = undefined;
    if (s.lastKeyframeAt >= since) return; // a keyframe came after the need: served
    this.#send(cameraId, s).catch((err: unknown) => this.logger.error({ err, cameraId }, 'keyframe request failed unexpectedly'));
  }

  async #send(cameraId: string, s: CameraState): Promise<void> {
    s.inFlight = true;
    s.lastSentAt = Date.now();
    try {
      const record = await this.registry.record(cameraId);
      if (!record.onvif) return; // nothing to ask: the viewer waits for the camera's own keyframe
      this.counts.sent++;
      await this.devices.call(cameraId, (cam, cb) => cam.setSynchronizationPoint({}, (err) => cb(err, undefined)), { quiet: true });
      this.counts.ok++;
      if (s.failures > 0) this.logger.info({ cameraId }, 'keyframe requests answered again');
      s.failures = 0;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return this.#forget(cameraId);
      this.counts.failed++;
      s.failures++;
      const backoffMs = Math.min(this.#options.maxBackoffMs, this.#options.backoffMs * 2 ** (s.failures - 1));
      s.retryAt = Date.now() + backoffMs;
      s.wantedSince = undefined;
      // Once per failing spell: viewers still get the camera's own keyframes.
      const reason = err instanceof Error ? err.message : String(err);
      this.logger[s.failures === 1 ? 'warn' : 'debug']({ cameraId, reason, retryInMs: backoffMs }, 'camera keyframe request (ONVIF SetSynchronizationPoint) failed');
    } finally {
      s.inFlight = false;
      if (this.#cameras.get(cameraId) === s) this.#schedule(cameraId, s);
    }
  }
}
