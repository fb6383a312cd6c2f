import fs from 'node:fs';
import path from 'node:path';
import { AppError, type RecordingView } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { RtpTap } from '../media/RtpTap';
import { TAP_INPUT, TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';
import type { CameraRegistry } from './CameraRegistry';

export interface RecordingOptions {
  dir: string;
  segmentSeconds: number;
  retentionHours: number;
  maxBytesPerCamera: number;
}

/** Segment names carry their UTC start: 20261124T213000Z.mp4. */
const SEGMENT_NAME = /^(\d{8}T\d{6}Z)\.mp4$/;
const RECONCILE_MS = 2000;
const SWEEP_MS = 60_000;

function segmentStart(name: string): Date | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const s = m[1]!;
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

/**
 * Per-camera recording to disk: fragmented MP4 segments (each playable on its own, and
 * still valid if the process dies mid-segment), H.264 copied from the live producer. A
 * camera that reconnects gets a new segment; old segments go by age and by size.
 */
export class Recordings {
  readonly #running = new Map<string, TapProcess>();
  readonly #starting = new Set<string>();
  readonly #timers: NodeJS.Timeout[];

  constructor(
    private readonly registry: CameraRegistry,
    private readonly feeds: CameraFeeds,
    private readonly demand: CameraDemand,
    private readonly ffmpegPath: () => string,
    private readonly options: RecordingOptions,
    private readonly logger: Logger,
  ) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.#timers = [
      setInterval(() => void this.#reconcile(), RECONCILE_MS),
      setInterval(() => void this.sweep(), SWEEP_MS),
    ];
    for (const t of this.#timers) t.unref();
    registry.on('removed', (id) => void this.#stop(id));
  }

  dirOf(cameraId: string): string {
    return path.join(this.options.dir, cameraId);
  }

  /** Turns recording of a camera on or off. */
  async setEnabled(cameraId: string, enabled: boolean): Promise<void> {
    await this.registry.setRecording(cameraId, enabled);
    if (enabled) await this.demand.hold(cameraId, 'recording');
    else {
      this.demand.release(cameraId, 'recording');
      await this.#stop(cameraId);
    }
    await this.#reconcile();
  }

  isRecording(cameraId: string): boolean {
    return this.#running.has(cameraId);
  }

  /** Starts a recorder for every recording camera that is live and has none. */
  async #reconcile(): Promise<void> {
    for (const cam of await this.registry.recordingCameras()) {
      if (this.#running.has(cam) || this.#starting.has(cam)) continue;
      await this.demand.hold(cam, 'recording'); // idempotent: keeps it pulled
      let live;
      try {
        live = this.feeds.producerOf(cam);
      } catch {
        continue; // not streaming now; try again next round
      }
      this.#starting.add(cam);
      try {
        await this.#start(cam, live.producer, live.router);
      } catch (err) {
        this.logger.warn({ err, cameraId: cam }, 'recording could not start');
      } finally {
        this.#starting.delete(cam);
      }
    }
  }

  async #start(cameraId: string, producer: Parameters<typeof RtpTap.create>[1], router: Parameters<typeof RtpTap.create>[0]) {
    const dir = this.dirOf(cameraId);
    fs.mkdirSync(dir, { recursive: true });
    const tap = await RtpTap.create(router, producer);
    const proc = new TapProcess(
      tap,
      this.ffmpegPath(),
      [
        ...TAP_INPUT,
        '-c:v', 'copy',
        '-f', 'segment', '-segment_time', String(this.options.segmentSeconds), '-reset_timestamps', '1',
        '-segment_format', 'mp4',
        '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
        '-strftime', '1',
        path.join(dir, '%Y%m%dT%H%M%SZ.mp4'),
      ],
      this.logger,
      { ...process.env, TZ: 'UTC' }, // segment names are UTC
    );
    this.#running.set(cameraId, proc);
    this.logger.info({ cameraId }, 'recording started');
    proc.once('exit', () => {
      if (this.#running.get(cameraId) === proc) this.#running.delete(cameraId);
      this.logger.info({ cameraId }, 'recording segment closed');
    });
  }

  async #stop(cameraId: string): Promise<void> {
    const proc = this.#running.get(cameraId);
    this.#running.delete(cameraId);
    if (!proc) return;
    proc.tap.close();
    await proc.stop();
  }

  /** Recordings of a camera overlapping [from, to]. */
  async list(cameraId: string, from?: Date, to?: Date): Promise<RecordingView[]> {
    const dir = this.dirOf(cameraId);
    if (!fs.existsSync(dir)) return [];
    const out: RecordingView[] = [];
    for (const name of fs.readdirSync(dir).sort()) {
      const start = segmentStart(name);
      if (!start) continue;
      const stat = fs.statSync(path.join(dir, name));
      if (stat.size === 0) continue;
      const end = stat.mtime;
      if ((from && end < from) || (to && start > to)) continue;
      out.push({
        file: name,
        start: start.toISOString(),
        end: end.toISOString(),
        bytes: stat.size,
        url: `/api/cameras/${cameraId}/recordings/${name}`,
      });
    }
    return out;
  }

  /** Absolute path of one recording file, checked against path tricks. */
  file(cameraId: string, name: string): string {
    if (!SEGMENT_NAME.test(name)) throw new AppError('bad_request', 'no such recording');
    const file = path.join(this.dirOf(cameraId), name);
    if (!fs.existsSync(file)) throw new AppError('not_found', 'no such recording');
    return file;
  }

  /** Deletes segments past the retention age, then the oldest while a camera is over its size limit. */
  async sweep(now = Date.now()): Promise<number> {
    let deleted = 0;
    if (!fs.existsSync(this.options.dir)) return 0;
    for (const cam of fs.readdirSync(this.options.dir)) {
      const dir = this.dirOf(cam);
      if (!fs.statSync(dir).isDirectory()) continue;
      const files = fs
        .readdirSync(dir)
        .filter((n) => SEGMENT_NAME.test(n))
        .sort()
        .map((n) => ({ n, ...fs.statSync(path.join(dir, n)) }));
      const newest = files.at(-1)?.n; // possibly being written: never deleted
      let total = files.reduce((sum, f) => sum + f.size, 0);
      for (const f of files) {
        if (f.n === newest) break;
        const tooOld = now - f.mtimeMs > this.options.retentionHours * 3_600_000;
        if (!tooOld && total <= this.options.maxBytesPerCamera) continue;
        fs.rmSync(path.join(dir, f.n), { force: true });
        total -= f.size;
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await Promise.all([...this.#running.keys()].map((id) => this.#stop(id)));
  }
}
