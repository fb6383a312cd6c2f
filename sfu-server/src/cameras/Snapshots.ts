import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { RtpTap } from '../media/RtpTap';
import { TAP_INPUT, TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';

/** A snapshot older than this is not served; the caller waits for the next one. */
const FRESH_MS = 1000;
const WAIT_MS = 15_000;

interface Session {
  proc: TapProcess;
  latest?: { jpeg: Buffer; at: number };
  waiters: ((jpeg: Buffer) => void)[];
  idle: NodeJS.Timeout;
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
 * JPEG snapshots of a camera, fresh within a second. A snapshot session decodes the
 * camera (2 pictures a second) only while snapshots are asked for and for `idleMs` after
 * the last request; the first request waits for the camera's next keyframe.
 */
export class Snapshots {
  readonly #sessions = new Map<string, Session>();
  readonly #starting = new Map<string, Promise<Session>>();

  constructor(
    private readonly feeds: CameraFeeds,
    private readonly demand: CameraDemand,
    private readonly ffmpegPath: () => string,
    private readonly logger: Logger,
    private readonly idleMs = 30_000,
  ) {}

  async get(cameraId: string): Promise<Buffer> {
    const session = await this.#session(cameraId);
    clearTimeout(session.idle);
    session.idle = setTimeout(() => this.#end(cameraId), this.idleMs);
    session.idle.unref();
    if (session.latest && Date.now() - session.latest.at < FRESH_MS) return session.latest.jpeg;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.waiters = session.waiters.filter((w) => w !== waiter);
        reject(new AppError('unavailable', `no picture from camera ${cameraId} within ${WAIT_MS / 1000} s`));
      }, WAIT_MS);
      const waiter = (jpeg: Buffer) => {
        clearTimeout(timer);
        resolve(jpeg);
      };
      session.waiters.push(waiter);
    });
  }

  async #session(cameraId: string): Promise<Session> {
    const existing = this.#sessions.get(cameraId);
    if (existing && !existing.proc.exited) return existing;
    let starting = this.#starting.get(cameraId);
    if (!starting) {
      starting = this.#start(cameraId).finally(() => this.#starting.delete(cameraId));
      this.#starting.set(cameraId, starting);
    }
    return starting;
  }

  async #start(cameraId: string): Promise<Session> {
    // An idle on-demand camera is pulled for as long as snapshots are taken.
    await this.demand.hold(cameraId, 'snapshots');
    const { producer, router } = await this.feeds.waitForProducer(cameraId, WAIT_MS);
    const tap = await RtpTap.create(router, producer);
    const proc = new TapProcess(
      tap,
      this.ffmpegPath(),
      [...TAP_INPUT, '-vf', 'fps=2', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1'],
      this.logger,
    );
    const session: Session = { proc, waiters: [], idle: setTimeout(() => this.#end(cameraId), this.idleMs) };
    session.idle.unref();
    const splitter = new JpegSplitter((jpeg) => {
      session.latest = { jpeg: Buffer.from(jpeg), at: Date.now() };
      for (const w of session.waiters.splice(0)) w(session.latest.jpeg);
    });
    proc.on('stdout', (d) => splitter.push(d));
    proc.once('exit', () => {
      if (this.#sessions.get(cameraId) === session) this.#sessions.delete(cameraId);
    });
    this.#sessions.set(cameraId, session);
    return session;
  }

  #end(cameraId: string): void {
    const session = this.#sessions.get(cameraId);
    if (!session) return;
    this.#sessions.delete(cameraId);
    clearTimeout(session.idle);
    void session.proc.stop();
    session.proc.tap.close();
    this.demand.release(cameraId, 'snapshots');
  }

  close(): void {
    for (const id of [...this.#sessions.keys()]) this.#end(id);
  }
}
