import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const SCRIPT = path.resolve(__dirname, '../../sim-cameras/rtsp_camera.py');

/** What the camera's ONVIF service counted (GET /stats). */
export interface SimOnvifStats {
  setSynchronizationPoint: number;
  /** Encoders told to emit a keyframe (0 for a request while nobody pulls the mount). */
  keyframesForced: number;
  byProfile: Record<string, number>;
}

export interface SimCamera {
  port: number;
  /** The camera process (SIGSTOP it to make a camera that holds its connections but sends nothing). */
  pid: number;
  url(mount?: string, credentials?: string): string;
  /** With `onvif`: its device service URL, e.g. http://127.0.0.1:PORT/onvif/device_service. */
  onvifUrl?: string;
  onvifStats(): Promise<SimOnvifStats>;
  stop(): Promise<void>;
}

/**
 * Starts the real GStreamer RTSP server (sim-cameras/rtsp_camera.py) on 127.0.0.1; with
 * `onvif`, its ONVIF Device/Media service too (one profile per mount; SetSynchronizationPoint
 * forces a keyframe). A mount may carry its own GOP: '/slow?gop=100'.
 */
export async function startSimCamera(
  opts: {
    port?: number;
    mounts?: string[];
    gop?: number;
    onvif?: boolean | { username: string; password: string };
    /** RTSP authentication on every mount (Digest unless `method: 'basic'`). */
    rtspAuth?: { username: string; password: string; method?: 'digest' | 'basic' };
  } = {},
): Promise<SimCamera> {
  const mounts = opts.mounts ?? ['/cam'];
  const args = [SCRIPT, '--port', String(opts.port ?? 0), '--gop', String(opts.gop ?? 25)];
  for (const m of mounts) args.push('--mount', m);
  if (opts.onvif) args.push('--onvif-port', '0');
  if (typeof opts.onvif === 'object') args.push('--onvif-user', opts.onvif.username, '--onvif-password', opts.onvif.password);
  if (opts.rtspAuth) args.push('--user', opts.rtspAuth.username, '--password', opts.rtspAuth.password, '--auth', opts.rtspAuth.method ?? 'digest');
  // TEST_LOG_FILE=path also keeps the camera's GStreamer RTSP log (path.simcam-<pid>).
  const logFile = process.env.TEST_LOG_FILE;
  const env = logFile ? { ...process.env, GST_DEBUG: 'rtsp*:5,GST_STATES:3', GST_DEBUG_NO_COLOR: '1' } : process.env;
  const child: ChildProcess = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (logFile) fs.appendFileSync(`${logFile}.simcam-${child.pid}`, d);
    else stderr += d.toString();
  });
  let onvifPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim camera did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`sim camera exited ${code}: ${stderr}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const o = /^ONVIF (\d+)/.exec(line);
      if (o) onvifPort = Number(o[1]);
      const m = /^READY (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const onvifBase = onvifPort === undefined ? undefined : `http://127.0.0.1:${onvifPort}`;
  return {
    port,
    pid: child.pid!,
    url: (mount = mounts[0]!.split(/[=?]/)[0]!, credentials?: string) =>
      `rtsp://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}${mount}`,
    onvifUrl: onvifBase && `${onvifBase}/onvif/device_service`,
    onvifStats: async () => {
      if (!onvifBase) throw new Error('sim camera started without onvif');
      return (await (await fetch(`${onvifBase}/stats`)).json()) as SimOnvifStats;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
