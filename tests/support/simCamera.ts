import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const SCRIPT = path.resolve(__dirname, '../../sim-cameras/rtsp_camera.py');

export interface SimCamera {
  port: number;
  url(mount?: string, credentials?: string): string;
  stop(): Promise<void>;
}

/** Starts the real GStreamer RTSP server (sim-cameras/rtsp_camera.py) on 127.0.0.1. */
export async function startSimCamera(opts: { port?: number; mounts?: string[]; gop?: number } = {}): Promise<SimCamera> {
  const mounts = opts.mounts ?? ['/cam'];
  const args = [SCRIPT, '--port', String(opts.port ?? 0), '--gop', String(opts.gop ?? 25)];
  for (const m of mounts) args.push('--mount', m);
  const child: ChildProcess = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim camera did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`sim camera exited ${code}: ${stderr}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    url: (mount = mounts[0]!.split('=')[0]!, credentials?: string) =>
      `rtsp://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}${mount}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
