import { spawn } from 'node:child_process';
import type { Logger } from '@county/shared/node';
import { RtpTap } from '../media/RtpTap';
import type { CameraFeeds } from './CameraFeeds';

/** A keyframe access unit larger than this is not kept (one per camera is the memory bound). */
export const MAX_KEYFRAME_BYTES = 2 * 1024 * 1024;
const START = Buffer.from([0, 0, 0, 1]);
const DECODE_TIMEOUT_MS = 5000;
/**
 * Cameras kept cached whether or not anyone watches them. Each tap is a consumer and a
 * depacketizer in this process: at 300 live cameras, tapping all was most of the SFU's cost.
 * Watched cameras (on a screen, in a meeting, kept warm) always get one.
 */
export const UNWATCHED_TAPS = 32;

/** The newest complete keyframe of a camera: IDR with its SPS/PPS, Annex B. */
export interface CachedKeyframe {
  data: Buffer;
  /** When it reached the SFU (ms since epoch). */
  at: number;
}

interface Entry {
  tap: RtpTap;
  keyframe?: CachedKeyframe;
  /** The newest parameter sets seen, for keyframes that come without them. */
  sps?: Buffer;
  pps?: Buffer;
  /** The JPEG of `keyframe`, decoded once (shared by concurrent requests). */
  jpeg?: { of: CachedKeyframe; jpeg: Promise<Buffer> };
}

/** The NAL units of an Annex B access unit as the depacketizer writes it (4-byte start codes). */
function nalUnits(au: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let i = au.indexOf(START);
  while (i >= 0) {
    const next = au.indexOf(START, i + 4);
    nals.push(au.subarray(i + 4, next < 0 ? au.length : next));
    i = next;
  }
  return nals;
}

/**
 * The newest keyframe of every live H.264 camera, so a still is at hand at once (a tile
 * switching to a camera that cannot be asked for a keyframe shows it until the video's next
 * keyframe). One RtpTap per live camera, opened at the camera's first keyframe and closed
 * with its producer (camera removed, stopped or restarted; the next feed opens a new one);
 * it keeps one access unit (at most MAX_KEYFRAME_BYTES) and the JPEG decoded from it.
 */
export class KeyframeCache {
  readonly #entries = new Map<string, Entry>();
  readonly #opening = new Set<string>();
  #closed = false;

  constructor(
    private readonly feeds: CameraFeeds,
    private readonly ffmpegPath: () => string,
    private readonly logger: Logger,
    /** Whether anything holds (watches) a feed now: CameraDemand. */
    private readonly watched: (feedId: string) => boolean = () => true,
    private readonly unwatchedTaps = UNWATCHED_TAPS,
  ) {
    feeds.on('keyframe', this.#onKeyframe);
  }

  /** A keyframe reached a camera's producer: make sure the camera has a tap. */
  readonly #onKeyframe = (cameraId: string): void => {
    if (this.#closed || this.#opening.has(cameraId)) return;
    const entry = this.#entries.get(cameraId);
    if (entry && !entry.tap.closed) return;
    // Watched cameras always; others while few are tapped (an unwatched tap gives way to a watched one).
    if (this.#entries.size + this.#opening.size >= this.unwatchedTaps) {
      if (!this.watched(cameraId)) return;
      const spare = [...this.#entries].find(([id]) => !this.watched(id));
      if (spare) spare[1].tap.close();
    }
    let live: ReturnType<CameraFeeds['producerOf']>;
    try {
      live = this.feeds.producerOf(cameraId);
    } catch {
      return;
    }
    if (live.producer.rtpParameters.codecs[0]?.mimeType.toLowerCase() !== 'video/h264') return;
    this.#opening.add(cameraId);
    RtpTap.create(live.router, live.producer).then(
      (tap) => {
        this.#opening.delete(cameraId);
        if (this.#closed || live.producer.closed || tap.closed) return tap.close();
        const fresh: Entry = { tap };
        this.#entries.set(cameraId, fresh);
        tap.on('frame', (au) => au.keyframe && this.#keep(fresh, au.data));
        tap.once('close', () => {
          if (this.#entries.get(cameraId) === fresh) this.#entries.delete(cameraId);
        });
      },
      (err: unknown) => {
        this.#opening.delete(cameraId);
        this.logger.debug({ err, cameraId }, 'keyframe tap not opened');
      },
    );
  };

  #keep(entry: Entry, au: Buffer): void {
    let sps = false;
    let pps = false;
    for (const nal of nalUnits(au)) {
      const type = nal[0]! & 0x1f;
      if (type === 7) {
        entry.sps = Buffer.from(nal);
        sps = true;
      } else if (type === 8) {
        entry.pps = Buffer.from(nal);
        pps = true;
      }
    }
    const parts: Buffer[] = [];
    if (!sps) {
      if (!entry.sps) return; // undecodable alone (parameter sets only out of band)
      parts.push(START, entry.sps);
    }
    if (!pps) {
      if (!entry.pps) return;
      parts.push(START, entry.pps);
    }
    parts.push(au);
    const data = parts.length === 1 ? Buffer.from(au) : Buffer.concat(parts);
    if (data.length > MAX_KEYFRAME_BYTES) return;
    entry.keyframe = { data, at: Date.now() };
  }

  /** The newest cached keyframe of a camera, if any. */
  latest(cameraId: string): CachedKeyframe | undefined {
    return this.#entries.get(cameraId)?.keyframe;
  }

  /** The JPEG of the camera's newest cached keyframe (decoded once per keyframe), or undefined. */
  async jpeg(cameraId: string): Promise<{ jpeg: Buffer; keyframe: CachedKeyframe } | undefined> {
    const entry = this.#entries.get(cameraId);
    const keyframe = entry?.keyframe;
    if (!entry || !keyframe) return undefined;
    if (entry.jpeg?.of !== keyframe) {
      const jpeg = decodeJpeg(this.ffmpegPath(), keyframe.data);
      entry.jpeg = { of: keyframe, jpeg };
      jpeg.catch(() => {
        if (entry.jpeg?.jpeg === jpeg) entry.jpeg = undefined;
      });
    }
    return { jpeg: await entry.jpeg.jpeg, keyframe };
  }

  /** Cameras with a tap (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  has(cameraId: string): boolean {
    return this.#entries.has(cameraId);
  }

  close(): void {
    this.#closed = true;
    this.feeds.off('keyframe', this.#onKeyframe);
    for (const entry of [...this.#entries.values()]) entry.tap.close();
    this.#entries.clear();
  }
}

/** One access unit (a keyframe with its parameter sets) -> one JPEG, by a one-shot ffmpeg. */
export function decodeJpeg(ffmpegPath: string, au: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn(
      ffmpegPath,
      ['-hide_banner', '-nostats', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-frames:v', '1', '-q:v', '5', '-f', 'mjpeg', 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), DECODE_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    child.stdin.on('error', () => undefined); // EPIPE if ffmpeg quits first
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg);
      else reject(new Error(`keyframe decode failed (${code}): ${stderr.trim()}`));
    });
    child.stdin.end(au);
  });
}
