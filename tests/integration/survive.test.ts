import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisServer } from '../support/redis';
import { ADMIN_PASSWORD, GATEWAY_TOKEN, waitFor } from '../support/stack';

// The real processes (what `npm start` runs, from the `tsc -b` build), with a preloaded
// script that throws from a timer and leaves a promise rejection unhandled: both are logged
// and survived; a burst of uncaught exceptions stops the process cleanly with exit 1.

const ROOT = path.resolve(__dirname, '../..');

interface Proc {
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  exited: Promise<number | null>;
}

function run(main: string, env: NodeJS.ProcessEnv, preload: string): Proc {
  const child = spawn(process.execPath, ['-r', preload, path.join(ROOT, main)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, alive: () => child.exitCode === null && child.signalCode === null, exited };
}

describe('unhandled rejections and uncaught exceptions', () => {
  let dir: string;
  const procs: Proc[] = [];
  let redis: RedisServer | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-survive-'));
    const faults = (n: number) => `
      setTimeout(() => {
        Promise.reject(new Error('test: nobody awaits this'));
        for (let i = 0; i < ${n}; i++) setTimeout(() => { throw new Error('test: thrown from a timer ' + i); }, 10 * i);
      }, 500);`;
    fs.writeFileSync(path.join(dir, 'one.js'), faults(1));
    fs.writeFileSync(path.join(dir, 'burst.js'), faults(12));
  });
  afterAll(async () => {
    for (const p of procs) if (p.alive()) p.child.kill('SIGKILL');
    await redis?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const gatewayEnv = { GATEWAY_TOKEN, GATEWAY_ID: 'survive-test', SFU_URL: 'http://127.0.0.1:9' };

  it('camera-gateway logs both and keeps running; SIGTERM still stops it cleanly', async () => {
    const p = run('camera-gateway/dist/main.js', gatewayEnv, path.join(dir, 'one.js'));
    procs.push(p);
    await waitFor('both logged', () => /unhandled promise rejection \(survived\)/.test(p.output()) && /uncaught exception \(survived\)/.test(p.output()), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(p.alive()).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('camera-gateway stops with exit 1 after a burst of uncaught exceptions', async () => {
    const p = run('camera-gateway/dist/main.js', gatewayEnv, path.join(dir, 'burst.js'));
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/too many in a minute: stopping/);
  });

  it('sfu-server logs both and keeps serving', async () => {
    redis = await startRedis();
    const p = run(
      'sfu-server/dist/main.js',
      {
        HOST: '127.0.0.1',
        PORT: '0',
        TLS: 'off',
        REDIS_URL: redis.url,
        GATEWAY_TOKEN,
        ADMIN_PASSWORD,
        MEDIASOUP_WORKERS: '1',
        RTC_MIN_PORT: '45100',
        RTC_MAX_PORT: '45149',
        INGEST_MIN_PORT: '45150',
        INGEST_MAX_PORT: '45189',
        MAX_CAMERAS: '20',
        WEBRTC_PORT: '45195',
        DATA_DIR: dir,
        RECORDINGS_DIR: path.join(dir, 'recordings'),
        ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
      },
      path.join(dir, 'one.js'),
    );
    procs.push(p);
    await waitFor('both logged', () => /unhandled promise rejection \(survived\)/.test(p.output()) && /uncaught exception \(survived\)/.test(p.output()), 20_000);
    const listening = await waitFor('listening', () => /"address":"(http[^"]+)".*sfu-server listening/.exec(p.output())?.[1], 20_000);
    expect((await fetch(`${listening}/api/health`)).status).toBe(200);
    expect(p.alive()).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60_000);
});
