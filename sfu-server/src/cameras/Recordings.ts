import fs from 'node:fs';
import fsp from 'node:fs/promises';
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
/** Files stat'ed at once by a sweep or a listing: enough to keep the disk busy, not the thread pool. */
const STAT_BATCH = 64;

function segmentStart(name: string): Date | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const s = m[1]!;
  return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

interface SegmentFile {
  name: string;
  size: number;
  mtimeMs: number;
  mtime: Date;
}

/** Segment files of a directory, oldest first; a file deleted meanwhile is left out. Never blocks the loop on the disk. */
async function segmentFiles(dir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
  } catch {
    return [];
  }
  const out: SegmentFile[] = [];
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH);
    const stats = await Promise.all(batch.map((n) => fsp.stat(path.join(dir, n)).catch(() => undefined)));
    stats.forEach((st, j) => st && out.push({ name: batch[j]!, size: st.size, mtimeMs: st.mtimeMs, mtime: st.mtime }));
  }
  return out;
}

/**
 * Per-camera recording to disk: fragmented MP4 segments (each playable on its own, and
 * still valid if the process dies mid-segment), H.264 copied from the live producer. A
 * camera that reconnects gets a new segment; old segments go by age and by size.
 */
export class Recordings {
  readonly #running = new Map<string, TapProcess>();
  readonly #starting = new Set<string>();
  /** What the latest on/off request of each camera asked for: a start still under way when "off" arrives gives up. */
  readonly #wanted = new Map<string, boolean>();
  /** On/off requests of one camera run one after another, in the order they arrived. */
  readonly #queue = new Map<string, Promise<unknown>>();
  readonly #timers: NodeJS.Timeout[];
  #sweeping: Promise<number> | undefined;
  #closed = false;

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
      setInterval(() => void this.#reconcile().catch((err: unknown) => this.logger.error({ err }, 'recording reconcile failed')), RECONCILE_MS),
      setInterval(() => void this.sweep().catch((err: unknown) => this.logger.error({ err }, 'recording sweep failed')), SWEEP_MS),
    ];
    for (const t of this.#timers) t.unref();
    registry.on('removed', (id) => {
      this.#wanted.delete(id);
      this.#stop(id).catch((err: unknown) => this.logger.error({ err, cameraId: id }, 'recorder of a removed camera did not stop'));
    });
  }

  dirOf(cameraId: string): string {
    return path.join(this.options.dir, cameraId);
  }

  /**
   * Turns recording of a camera on or off. Requests for one camera apply in arrival order
   * and the last one wins, even when "off" arrives while "on" is still starting ffmpeg.
   */
  setEnabled(cameraId: string, enabled: boolean): Promise<void> {
    this.#wanted.set(cameraId, enabled);
    const previous = this.#queue.get(cameraId) ?? Promise.resolve();
    const run = previous.then(() => this.#apply(cameraId, enabled));
    const settled = run.catch(() => undefined);
    this.#queue.set(cameraId, settled);
    settled.then(() => this.#queue.get(cameraId) === settled && this.#queue.delete(cameraId)).catch(() => undefined); // settled never rejects
    return run;
  }

  async #apply(cameraId: string, enabled: boolean): Promise<void> {
    if (!enabled) {
      await this.registry.setRecording(cameraId, false);
      this.demand.release(cameraId, 'recording');
      await this.#stop(cameraId);
      return;
    }
    // Held first: past the pull limit this refuses, and the camera's flag stays as it was.
    await this.demand.hold(cameraId, 'recording');
    try {
      await this.registry.setRecording(cameraId, true);
    } catch (err) {
      this.demand.release(cameraId, 'recording');
      throw err;
    }
    await this.#reconcileCamera(cameraId).catch((err: unknown) => this.logger.warn({ err, cameraId }, 'recording could not start'));
  }

  isRecording(cameraId: string): boolean {
    return this.#running.has(cameraId);
  }

  /**
   * Starts a recorder for every recording camera that is live and has none, and stops
   * recorders of cameras no longer recording (turned off elsewhere, or a start that lost a race).
   */
  async #reconcile(): Promise<void> {
    const recording = new Set(await this.registry.recordingCameras());
    // The list may be stale by now: a camera with on/off requests in flight or just turned on is theirs to settle.
    const settled = (cam: string) => !this.#queue.has(cam) && this.#wanted.get(cam) !== true;
    for (const cam of [...this.#running.keys()]) if (!recording.has(cam) && settled(cam)) await this.#stop(cam);
    for (const cam of recording) {
      if (this.#queue.has(cam)) continue;
      try {
        await this.demand.hold(cam, 'recording'); // idempotent: keeps it pulled
        await this.#reconcileCamera(cam);
      } catch (err) {
        this.logger.warn({ err, cameraId: cam }, 'recording could not start');
      }
    }
  }

  async #reconcileCamera(cam: string): Promise<void> {
    if (this.#running.has(cam) || this.#starting.has(cam) || this.#wanted.get(cam) === false) return;
    let live;
    try {
      live = this.feeds.producerOf(cam);
    } catch {
      return; // not streaming now; try again next round
    }
    this.#starting.add(cam);
    try {
      await this.#start(cam, live.producer, live.router);
    } finally {
      this.#starting.delete(cam);
    }
  }

  async #start(cameraId: string, producer: Parameters<typeof RtpTap.create>[1], router: Parameters<typeof RtpTap.create>[0]) {
    const dir = this.dirOf(cameraId);
    await fsp.mkdir(dir, { recursive: true });
    const tap = await RtpTap.create(router, producer);
    // Turned off (or shut down) while the tap was being made: no ffmpeg for it.
    if (this.#wanted.get(cameraId) === false || this.#closed || tap.closed) {
      tap.close();
      return;
    }
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
    const out: RecordingView[] = [];
    for (const f of await segmentFiles(this.dirOf(cameraId))) {
      const start = segmentStart(f.name);
      if (!start || f.size === 0) continue;
      const end = f.mtime;
      if ((from && end < from) || (to && start > to)) continue;
      out.push({
        file: f.name,
        start: start.toISOString(),
        end: end.toISOString(),
        bytes: f.size,
        url: `/api/cameras/${cameraId}/recordings/${f.name}`,
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

  /**
   * Deletes segments past the retention age, then the oldest while a camera is over its size
   * limit. All disk work is async (thousands of segments per camera): the event loop keeps
   * serving video signalling meanwhile. One sweep at a time.
   */
  sweep(now = Date.now()): Promise<number> {
    this.#sweeping ??= this.#sweep(now).finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweep(now: number): Promise<number> {
    let deleted = 0;
    let cams: fs.Dirent[];
    try {
      cams = await fsp.readdir(this.options.dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    for (const cam of cams) {
      if (!cam.isDirectory()) continue;
      const dir = this.dirOf(cam.name);
      const files = await segmentFiles(dir);
      const newest = files.at(-1)?.name; // possibly being written: never deleted
      let total = files.reduce((sum, f) => sum + f.size, 0);
      for (const f of files) {
        if (f.name === newest) break;
        const tooOld = now - f.mtimeMs > this.options.retentionHours * 3_600_000;
        if (!tooOld && total <= this.options.maxBytesPerCamera) continue;
        await fsp.rm(path.join(dir, f.name), { force: true });
        total -= f.size;
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    await Promise.all([...this.#running.keys()].map((id) => this.#stop(id)));
  }
}
