import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { TAP_INPUT, TapProcess } from '../media/TapProcess';
import type { CameraDemand } from './CameraDemand';
import type { CameraFeeds } from './CameraFeeds';
import { TAP_WAIT_MS, TapSessions } from './TapSessions';

export const HLS_FILE = /^(index\.m3u8|seg\d{1,9}\.ts)$/;

/** Temporary files: failing to delete them must not fail a shutdown. */
function removeQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // left for the OS's tmp cleaning
  }
}
const SEGMENT_S = 0.5;

interface Session {
  dir: string;
  proc: TapProcess;
}

/**
 * HLS for viewers that cannot do WebRTC or sit on a poor link (a phone on 4G): per camera,
 * produced only while someone fetches it (ends `idleMs` after the last request). Re-encoded
 * to at most 360p at ~600 kbit/s with a keyframe every half second, so segments are half a
 * second long whatever the camera's GOP; camera to screen is about 1.5 s (p50) with hls.js.
 */
export class HlsStreams {
  readonly #sessions: TapSessions<Session>;
  readonly #root: string;

  constructor(
    feeds: CameraFeeds,
    demand: CameraDemand,
    ffmpegPath: () => string,
    logger: Logger,
    /** Cameras transcoded at once for all viewers together (MAX_HLS_SESSIONS): each costs an x264. */
    maxSessions = 16,
    idleMs = 20_000,
  ) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'county-hls-'));
    this.#root = root;
    this.#sessions = new TapSessions<Session>(
      feeds,
      demand,
      'hls',
      idleMs,
      (cameraId, tap) => {
        const dir = fs.mkdtempSync(path.join(root, `${cameraId}-`));
        const proc = new TapProcess(
          tap,
          ffmpegPath(),
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
          logger,
        );
        logger.info({ cameraId }, 'HLS stream started');
        return { dir, proc };
      },
      (session) => {
        session.proc.stop().then(() => removeQuietly(session.dir)).catch((err: unknown) => logger.warn({ err }, 'HLS files not removed'));
      },
      { max: maxSessions, message: `too many cameras on HLS at once (at most ${maxSessions}; MAX_HLS_SESSIONS raises it)` },
    );
  }

  /** Path of one HLS file of a camera, starting its stream if needed. */
  async file(cameraId: string, name: string): Promise<string> {
    if (!HLS_FILE.test(name)) throw new AppError('bad_request', 'no such HLS file');
    const session = await this.#sessions.get(cameraId);
    const file = path.join(session.dir, name);
    if (name === 'index.m3u8') {
      const deadline = Date.now() + TAP_WAIT_MS;
      while (!fs.existsSync(file)) {
        if (session.proc.exited || Date.now() > deadline) throw new AppError('unavailable', 'HLS stream did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!fs.existsSync(file)) throw new AppError('not_found', `${name} is gone (HLS keeps the last few segments)`);
    return file;
  }

  get activeCount(): number {
    return this.#sessions.size;
  }

  /** Stops every stream (waiting for ffmpeg, which may still be writing) and removes the files. */
  async close(): Promise<void> {
    await this.#sessions.close();
    removeQuietly(this.#root);
  }
}
