import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { RtpTap } from '../media/RtpTap';
import { TAP_INPUT, TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';

export const HLS_FILE = /^(index\.m3u8|seg\d{1,9}\.ts)$/;
const SEGMENT_S = 0.5;
const WAIT_MS = 15_000;

interface Session {
  dir: string;
  proc: TapProcess;
  idle: NodeJS.Timeout;
}

/**
 * HLS for viewers that cannot do WebRTC or sit on a poor link (a phone on 4G): per camera,
 * produced only while someone fetches it (stops `idleMs` after the last request). Re-encoded
 * to at most 360p at ~600 kbit/s with a keyframe every half second, so segments are half a
 * second long whatever the camera's GOP, and hls.js plays about 1.5 s behind live.
 */
export class HlsStreams {
  readonly #sessions = new Map<string, Session>();
  readonly #starting = new Map<string, Promise<Session>>();
  readonly #root: string;

  constructor(
    private readonly feeds: CameraFeeds,
    private readonly demand: CameraDemand,
    private readonly ffmpegPath: () => string,
    private readonly logger: Logger,
    private readonly idleMs = 20_000,
  ) {
    this.#root = fs.mkdtempSync(path.join(os.tmpdir(), 'county-hls-'));
  }

  /** Path of one HLS file of a camera, starting its stream if needed. */
  async file(cameraId: string, name: string): Promise<string> {
    if (!HLS_FILE.test(name)) throw new AppError('bad_request', 'no such HLS file');
    const session = await this.#session(cameraId);
    clearTimeout(session.idle);
    session.idle = setTimeout(() => this.#end(cameraId), this.idleMs);
    session.idle.unref();
    const file = path.join(session.dir, name);
    if (name === 'index.m3u8') await this.#waitFor(file, session);
    if (!fs.existsSync(file)) throw new AppError('not_found', `${name} is gone (HLS keeps the last few segments)`);
    return file;
  }

  async #waitFor(file: string, session: Session): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!fs.existsSync(file)) {
      if (session.proc.exited || Date.now() > deadline) throw new AppError('unavailable', 'HLS stream did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
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
    await this.demand.hold(cameraId, 'hls');
    const { producer, router } = await this.feeds.waitForProducer(cameraId, WAIT_MS);
    const tap = await RtpTap.create(router, producer);
    const dir = fs.mkdtempSync(path.join(this.#root, `${cameraId}-`));
    const proc = new TapProcess(
      tap,
      this.ffmpegPath(),
      [
        ...TAP_INPUT,
        '-an',
        '-vf', 'scale=-2:min(360\\,ih)',
        '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
        '-b:v', '600k', '-maxrate', '800k', '-bufsize', '600k',
        '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_S})`, '-sc_threshold', '0',
        '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_list_size', '6',
        '-hls_flags', 'delete_segments+independent_segments+temp_file+omit_endlist',
        '-hls_segment_filename', path.join(dir, 'seg%d.ts'),
        path.join(dir, 'index.m3u8'),
      ],
      this.logger,
    );
    const session: Session = { dir, proc, idle: setTimeout(() => this.#end(cameraId), this.idleMs) };
    session.idle.unref();
    proc.once('exit', () => {
      // The camera restarted (new producer) or ffmpeg died: the next request starts afresh.
      if (this.#sessions.get(cameraId) === session) this.#end(cameraId);
    });
    this.#sessions.set(cameraId, session);
    this.logger.info({ cameraId }, 'HLS stream started');
    return session;
  }

  #end(cameraId: string): void {
    const session = this.#sessions.get(cameraId);
    if (!session) return;
    this.#sessions.delete(cameraId);
    clearTimeout(session.idle);
    session.proc.tap.close();
    void session.proc.stop().then(() => fs.rmSync(session.dir, { recursive: true, force: true }));
    this.demand.release(cameraId, 'hls');
    this.logger.info({ cameraId }, 'HLS stream stopped');
  }

  get activeCount(): number {
    return this.#sessions.size;
  }

  close(): void {
    for (const id of [...this.#sessions.keys()]) this.#end(id);
    fs.rmSync(this.#root, { recursive: true, force: true });
  }
}
