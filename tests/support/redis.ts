import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  /** `unix:///.../redis.sock`: no TCP port, so parallel suites never collide. */
  url: string;
  dir: string;
  readonly pid: number;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait (a crash: only what reached the append-only file survives). */
  kill(): Promise<void>;
  /** Starts again on the same data directory. */
  restart(): Promise<void>;
  /** Stops and removes the data directory. */
  destroy(): Promise<void>;
}

/**
 * Debian's redis-server on a unix socket in a temporary directory. `durable` turns on the
 * append-only file with fsync on every write (what `npm start` runs).
 */
export async function startRedis(opts: { durable?: boolean } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-redis-'));
  const sock = path.join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--dir', dir, '--save', ''];
  args.push(...(opts.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess;

  const launch = async () => {
    fs.rmSync(sock, { force: true });
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      if (fs.existsSync(sock)) {
        const probe = new Redis({ path: sock, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          // still loading the append-only file
        } finally {
          probe.disconnect();
        }
      }
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  await launch();
  return {
    url: `unix://${sock}`,
    dir,
    get pid() {
      return child.pid ?? -1;
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: launch,
    destroy: async () => {
      await end('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
