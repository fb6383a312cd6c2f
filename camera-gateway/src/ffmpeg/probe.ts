import { execFile, spawn } from 'node:child_process';
import readline from 'node:readline';
import { AppError, redactUrl } from '@county/shared';
import { RTSP_IO_TIMEOUT_S } from './ffmpegArgs';

/** What a camera actually sends, read with ffprobe before every pull. */
export interface StreamProbe {
  video?: {
    codec: string;
    profile?: string;
    width?: number;
    height?: number;
    fps?: number;
    hasBFrames: boolean;
    /** Keyframes arrive as several pictures (SPS/PPS repeated before each IDR slice). */
    splitKeyframes?: boolean;
  };
  audio?: { codec: string; sampleRate?: number; channels?: number };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  has_b_frames?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

function rate(r: string | undefined): number | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(r ?? '');
  if (!m || Number(m[2]) === 0) return undefined;
  const fps = Number(m[1]) / Number(m[2]);
  return fps > 0 && fps <= 240 ? Math.round(fps * 100) / 100 : undefined;
}

export function parseProbe(json: string): StreamProbe {
  const streams = ((JSON.parse(json) as { streams?: FfprobeStream[] }).streams ?? []).filter((s) => s.codec_name);
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const probe: StreamProbe = {};
  if (v?.codec_name) {
    probe.video = {
      codec: v.codec_name,
      profile: v.profile,
      width: v.width,
      height: v.height,
      fps: rate(v.avg_frame_rate) ?? rate(v.r_frame_rate),
      hasBFrames: (v.has_b_frames ?? 0) > 0,
    };
  }
  if (a?.codec_name) {
    probe.audio = { codec: a.codec_name, sampleRate: a.sample_rate ? Number(a.sample_rate) : undefined, channels: a.channels };
  }
  return probe;
}

/** ffprobe's last meaningful error line, without the URL (which may hold credentials). */
export function probeError(stderr: string): string {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return redactUrl((line ?? 'no answer').replace(/^rtsps?:\/\/\S+?: /i, '')).slice(0, 300);
}

/**
 * Does the camera send each keyframe as several demuxed pictures? Some payloaders repeat
 * SPS/PPS before every IDR slice of a multi-slice picture; the H.264 parser then (rightly)
 * starts a new access unit at each, and a browser shows half a picture. Seen as two
 * consecutive keyframe packets. Reads packets until the first keyframe and the one after it;
 * undecided after `timeoutMs` counts as no.
 */
export function probeSplitKeyframes(ffprobePath: string, url: string, timeoutMs = 6000): Promise<boolean> {
  const args = [
    '-v', 'error', '-rtsp_transport', 'tcp', '-timeout', String(RTSP_IO_TIMEOUT_S * 1_000_000),
    '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', url,
  ];
  return new Promise((resolve) => {
    const child = spawn(ffprobePath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let previousKey = false;
    let settled = false;
    const done = (split: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(split);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const key = line.startsWith('K');
      if (previousKey) done(key);
      previousKey = key;
    });
    child.once('close', () => done(false));
    child.once('error', () => done(false));
  });
}

/** Reads the camera's streams over RTSP/TCP; rejects with the camera's own reason (401, refused, garbage). */
export function probeCamera(ffprobePath: string, url: string, timeoutMs = 15_000, analyzeSeconds = 1): Promise<StreamProbe> {
  const args = [
    '-v', 'error',
    '-rtsp_transport', 'tcp',
    '-timeout', String(RTSP_IO_TIMEOUT_S * 1_000_000),
    // Codec, size and B-frame use come from the SDP and first SPS: 1 s of analysis is plenty
    // and halves the time a returning camera waits for its picture (a stream still without a
    // size gets a second, `analyzeSeconds` long look from CameraPull).
    '-probesize', String(500_000 * analyzeSeconds),
    '-analyzeduration', String(1_000_000 * analyzeSeconds),
    '-show_entries', 'stream=codec_type,codec_name,profile,width,height,has_b_frames,avg_frame_rate,r_frame_rate,sample_rate,channels',
    '-of', 'json',
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: timeoutMs, maxBuffer: 1 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `no answer within ${timeoutMs / 1000} s` : probeError(stderr);
        reject(new AppError('unavailable', why));
        return;
      }
      try {
        resolve(parseProbe(stdout));
      } catch {
        reject(new AppError('unavailable', 'camera answered with something that is not a media stream'));
      }
    });
  });
}
