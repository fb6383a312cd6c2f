import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { TAP_INPUT, TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';
import { KeyframeCache } from './KeyframeCache';
import { TAP_WAIT_MS, TapSessions } from './TapSessions';

/** A snapshot older than this is not served; the caller waits for the next one. */
const FRESH_MS = 1000;
/** A cached keyframe older than this is not served as a still; the live decode answers instead. */
export const STILL_MAX_AGE_MS = 10_000;

/** A snapshot, and for one decoded from the cached keyframe, how old that keyframe is. */
export interface Still {
  jpeg: Buffer;
  ageMs?: number;
}

interface Session {
  proc: TapProcess;
  latest?: { jpeg: Buffer; at: number };
  waiters: ((jpeg: Buffer) => void)[];
}

/** Splits ffmpeg's image2pipe MJPEG output into whole JPEG files (SOI ... EOI). */
export class JpegSplitter {
  #buf = Buffer.alloc(0);
  constructor(private readonly onJpeg: (jpeg: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const start = this.#buf.indexOf(Buffer.from([0xff, 0xd8]));
      if (start < 0) return;
      const end = this.#buf.indexOf(Buffer.from([0xff, 0xd9]), start + 2);
      if (end < 0) {
        if (start > 0) this.#buf = this.#buf.subarray(start);
        return;
      }
      this.onJpeg(this.#buf.subarray(start, end + 2));
      this.#buf = this.#buf.subarray(end + 2);
    }
  }
}

/**
 * JPEG snapshots of a camera, fresh within a second. A session decodes the camera (two
 * pictures a second) only while snapshots are asked for and for `idleMs` after the last
 * request; the first request waits for the camera's next keyframe.
 */
export class Snapshots {
  readonly #sessions: TapSessions<Session>;
  /** The newest keyframe of each live camera: a still at once, without waiting for the next one. */
  readonly keyframes: KeyframeCache;

  constructor(feeds: CameraFeeds, demand: CameraDemand, ffmpegPath: () => string, private readonly logger: Logger, idleMs = 30_000) {
    this.keyframes = new KeyframeCache(feeds, ffmpegPath, logger, (feedId) => demand.holderCount(feedId) > 0);
    this.#sessions = new TapSessions<Session>(feeds, demand, 'snapshots', idleMs, (_cameraId, tap) => {
      const proc = new TapProcess(
        tap,
        ffmpegPath(),
        [...TAP_INPUT, '-vf', 'fps=2', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1'],
        logger,
      );
      const session: Session = { proc, waiters: [] };
      const splitter = new JpegSplitter((jpeg) => {
        session.latest = { jpeg: Buffer.from(jpeg), at: Date.now() };
        for (const w of session.waiters.splice(0)) w(session.latest.jpeg);
      });
      proc.on('stdout', (d) => splitter.push(d));
      return session;
    });
  }

  /**
   * The camera's newest cached keyframe as a JPEG when one is younger than STILL_MAX_AGE_MS
   * (answers at once; `ageMs` says how old), else (or with `fresh`) a live frame from get().
   */
  async still(cameraId: string, opts: { fresh?: boolean } = {}): Promise<Still> {
    if (!opts.fresh) {
      const kf = this.keyframes.latest(cameraId);
      if (kf && Date.now() - kf.at < STILL_MAX_AGE_MS) {
        try {
          const cached = await this.keyframes.jpeg(cameraId);
          if (cached) return { jpeg: cached.jpeg, ageMs: Date.now() - cached.keyframe.at };
        } catch (err) {
          this.logger.warn({ err, cameraId }, 'cached keyframe not decoded; live snapshot instead');
        }
      }
    }
    return { jpeg: await this.get(cameraId) };
  }

  /** A live frame, fresh within FRESH_MS; the first request waits for the camera's next keyframe. */
  async get(cameraId: string): Promise<Buffer> {
    const session = await this.#sessions.get(cameraId);
    if (session.latest && Date.now() - session.latest.at < FRESH_MS) return session.latest.jpeg;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.waiters = session.waiters.filter((w) => w !== waiter);
        reject(new AppError('unavailable', `no picture from camera ${cameraId} within ${TAP_WAIT_MS / 1000} s`));
      }, TAP_WAIT_MS);
      const waiter = (jpeg: Buffer) => {
        clearTimeout(timer);
        resolve(jpeg);
      };
      session.waiters.push(waiter);
    });
  }

  close(): Promise<void> {
    this.keyframes.close();
    return this.#sessions.close();
  }
}
