import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisServer } from '../support/redis';
import { ADMIN_PASSWORD, GATEWAY_TOKEN, api, freePort, login, waitFor } from '../support/stack';

// The SFU as its own process (what `npm start` runs), on a Redis with an fsync'd append-only
// file. A server SIGKILLed, or a Redis SIGKILLed, in the middle of a burst of several hundred
// writes must lose none of the writes it acknowledged (2xx).

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'sfu-server/dist/main.js');
const REQUEST_TIMEOUT_MS = 15_000;

interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed (LOG_LEVEL=warn: pino JSON lines). */
  output(): string;
  alive(): boolean;
  /** SIGKILL the server process itself (not its worker), and wait until it is gone. */
  sigkill(): Promise<void>;
  /** SIGTERM and wait; SIGKILL after 10 s; then any straggler of its process group. */
  stop(): Promise<void>;
}


function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

async function startServer(redisUrl: string, dataDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    TLS: 'off',
    REDIS_URL: redisUrl,
    GATEWAY_TOKEN,
    ADMIN_PASSWORD,
    MEDIASOUP_WORKERS: '1',
    RTC_MIN_PORT: '45000',
    RTC_MAX_PORT: '45049',
    // The burst adds far more than 20 cameras: the default MAX_CAMERAS (1000) needs 2000 ingest
    // ports at start (main + sub per camera), though none is bound here (no camera connects).
    INGEST_MIN_PORT: '47100',
    INGEST_MAX_PORT: '49099',
    WEBRTC_PORT: '45095',
    CAMERA_NETWORKS: '127.0.0.0/8',
    LOG_LEVEL: 'warn',
    RECORDINGS_DIR: path.join(dataDir, 'recordings'),
    DATA_DIR: dataDir,
  };
  if (process.env.MEDIASOUP_WORKER_BIN) env.MEDIASOUP_WORKER_BIN = process.env.MEDIASOUP_WORKER_BIN;
  // Its own process group, so a mediasoup worker left behind can be found and ended.
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const server: ServerProcess = {
    url,
    child,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    sigkill: async () => {
      if (server.alive()) child.kill('SIGKILL');
      await exited(child);
      // Its mediasoup worker would notice and exit within ~2 s; a test does not leave it to that.
      killGroup();
    },
    stop: async () => {
      if (server.alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited(child);
        clearTimeout(timer);
      }
      killGroup();
    },
  };
  try {
    await waitFor(
      'the spawned sfu-server to answer /api/health',
      async () => {
        if (!server.alive()) throw new Error(`sfu-server exited (${child.exitCode ?? child.signalCode}):\n${out}`);
        try {
          return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

// ---- the burst --------------------------------------------------------------------------

type Kind = 'township' | 'site' | 'camera' | 'user';
interface Write {
  kind: Kind;
  id: string;
  path: string;
  body: Record<string, unknown>;
  password?: string;
}

/** Unit i: a township, a site in it, four cameras on the site, and a user scoped to one of them. */
function unitWrites(tag: string, i: number): Write[] {
  const t = `${tag}-t${i}`;
  const s = `${tag}-s${i}`;
  const writes: Write[] = [
    { kind: 'township', id: t, path: '/api/townships', body: { id: t, name: `乡镇 ${i}` } },
    { kind: 'site', id: s, path: '/api/sites', body: { id: s, name: `工地 ${i}`, townshipId: t } },
  ];
  for (let k = 0; k < 4; k++) {
    const c = `${tag}-c${i}-${k}`;
    writes.push({
      kind: 'camera',
      id: c,
      path: '/api/cameras',
      body: { id: c, name: `摄像头 ${i}-${k}`, url: `rtsp://127.0.0.1:1/x${i}-${k}`, siteId: s, kind: k === 0 ? 'panorama' : `close${k}` },
    });
  }
  const u = `${tag}-u${i}`;
  const password = `pw-${tag}-${i}-0123456789`;
  const scope = i % 2 === 0 ? { role: 'township', townshipId: t } : { role: 'inspector', siteIds: [s] };
  writes.push({ kind: 'user', id: u, path: '/api/users', body: { username: u, password, ...scope }, password });
  return writes;
}

interface Outcome {
  write: Write;
  status?: number;
  code?: string;
  error?: string;
}

interface Burst {
  acked: Write[];
  outcomes: Outcome[];
}

/**
 * `units` units over `lanes` parallel lanes (each lane's writes in order, so a site follows
 * its township). `onAck` sees the count of acknowledged writes after each one; `stopped()`
 * ends the lanes early.
 */
async function burst(
  url: string,
  token: string,
  tag: string,
  opts: { units: number; lanes: number; onAck?: (acked: number, sent: number) => void; stopped?: () => boolean },
): Promise<Burst> {
  const result: Burst = { acked: [], outcomes: [] };
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= opts.units) return;
      for (const write of unitWrites(tag, i)) {
        if (opts.stopped?.()) return;
        const outcome: Outcome = { write };
        try {
          const res = await fetch(`${url}${write.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(write.body),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await res.text();
          outcome.status = res.status;
          try {
            outcome.code = (JSON.parse(text) as { code?: string }).code;
          } catch {
            // not JSON: left undefined, asserted on below where it matters
          }
          if (res.status >= 200 && res.status < 300) result.acked.push(write);
        } catch (err) {
          outcome.error = `${(err as Error).name}: ${(err as Error).message}`;
        }
        result.outcomes.push(outcome);
        if (outcome.status !== undefined && outcome.status < 300) opts.onAck?.(result.acked.length, result.outcomes.length);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.lanes }, lane));
  return result;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** Every acknowledged write is there: townships, sites, cameras (each by id), users (listed, and some sign in). */
async function expectAllPresent(url: string, token: string, acked: Write[]): Promise<void> {
  const of = (kind: Kind) => acked.filter((w) => w.kind === kind);
  const townships = await api(url, 'GET', '/api/townships', undefined, { token });
  expect(townships.status).toBe(200);
  const townshipIds = new Set((townships.json as { id: string }[]).map((t) => t.id));
  expect(of('township').filter((w) => !townshipIds.has(w.id))).toEqual([]);

  const sites = await api(url, 'GET', '/api/sites', undefined, { token });
  expect(sites.status).toBe(200);
  const siteById = new Map((sites.json as { id: string; townshipId: string }[]).map((s) => [s.id, s]));
  expect(of('site').filter((w) => siteById.get(w.id)?.townshipId !== w.body.townshipId).map((w) => w.id)).toEqual([]);

  const missingCameras: string[] = [];
  await pool(of('camera'), 8, async (w) => {
    const r = await api(url, 'GET', `/api/cameras/${w.id}`, undefined, { token });
    const c = r.json as { name?: string; siteId?: string; kind?: string } | undefined;
    if (r.status !== 200 || c?.name !== w.body.name || c?.siteId !== w.body.siteId || c?.kind !== w.body.kind) {
      missingCameras.push(`${w.id}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });
  expect(missingCameras).toEqual([]);

  const users = await api(url, 'GET', '/api/users', undefined, { token });
  expect(users.status).toBe(200);
  const userByName = new Map((users.json as { username: string; role: string }[]).map((u) => [u.username, u]));
  expect(of('user').filter((w) => userByName.get(w.id)?.role !== w.body.role).map((w) => w.id)).toEqual([]);

  // Their passwords too (scrypt: a few, not all): the first, the last and one in between.
  const ackedUsers = of('user');
  const sample = [...new Set([ackedUsers[0], ackedUsers[Math.floor(ackedUsers.length / 2)], ackedUsers[ackedUsers.length - 1]])];
  for (const w of sample) if (w) await login(url, w.id, w.password!);
}

/** The distinct messages logged at level error (50) or above. */
function errorMessages(output: string): string[] {
  const msgs = new Set<string>();
  for (const line of output.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 50 && entry.msg) msgs.add(entry.msg);
    } catch {
      // not a log line
    }
  }
  return [...msgs];
}

function summary(b: Burst): string {
  const counts = new Map<string, number>();
  for (const o of b.outcomes) {
    const key = o.error ? 'network error' : `${o.status}${o.code ? ` ${o.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const byKind = (['township', 'site', 'camera', 'user'] as const).map((k) => `${k} ${b.acked.filter((w) => w.kind === k).length}`).join(', ');
  return `${b.outcomes.length} writes sent, ${b.acked.length} acknowledged (${byKind}); outcomes: ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ')}`;
}

const UNITS = 60; // 7 writes each: 420 writes
const LANES = 8;
const KILL_AFTER = 150;

describe('durability: SIGKILL during a burst of writes loses nothing acknowledged', () => {
  const redises: RedisServer[] = [];
  const servers: ServerProcess[] = [];
  const dataDirs: string[] = [];

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -b tsconfig.json, or scripts/setup.sh)`);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const r of redises) await r.destroy();
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const newRedis = async () => {
    const r = await startRedis({ durable: true });
    redises.push(r);
    return r;
  };
  const newServer = async (redis: RedisServer) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-durability-'));
    dataDirs.push(dir);
    const s = await startServer(redis.url, dir);
    servers.push(s);
    return s;
  };

  it('server SIGKILLed mid-burst: after a restart on the same Redis every acknowledged write is there', async () => {
    const redis = await newRedis();
    const first = await newServer(redis);
    const adminToken = await login(first.url, 'admin', ADMIN_PASSWORD);

    let killing: Promise<void> | undefined;
    const result = await burst(first.url, adminToken, 'ka', {
      units: UNITS,
      lanes: LANES,
      onAck: (n) => {
        if (n >= KILL_AFTER && !killing) killing = first.sigkill();
      },
      stopped: () => killing !== undefined && !first.alive(),
    });
    await killing;
    const note = summary(result);
    process.stdout.write(`server SIGKILL: ${note}\n`);
    expect(killing).toBeDefined(); // the kill happened mid-burst...
    expect(result.outcomes.length).toBeLessThan(UNITS * 7); // ...with writes still to come
    expect(result.acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // Before the kill, every write was acknowledged: nothing else went wrong on the way.
    expect(result.outcomes.filter((o) => o.status !== undefined && (o.status < 200 || o.status >= 300))).toEqual([]);

    const second = await newServer(redis);
    // The admin's session is durable state too: the old token still works on the new process.
    expect((await api(second.url, 'GET', '/api/me', undefined, { token: adminToken })).status).toBe(200);
    await expectAllPresent(second.url, await login(second.url, 'admin', ADMIN_PASSWORD), result.acked);
    await second.stop();
  }, 90_000);

  it('Redis SIGKILLed mid-burst: the server answers 503, reconnects by itself, and every acknowledged write is there', async () => {
    const redis = await newRedis();
    const server = await newServer(redis);
    const token = await login(server.url, 'admin', ADMIN_PASSWORD);

    let killing: Promise<void> | undefined;
    let killedAt = -1;
    const result = await burst(server.url, token, 'kb', {
      units: UNITS,
      lanes: LANES,
      onAck: (n, sent) => {
        if (n >= KILL_AFTER && !killing) {
          killedAt = sent;
          killing = redis.kill();
        }
      },
    });
    await killing;
    const note = summary(result);
    process.stdout.write(`Redis SIGKILL: ${note}\n`);
    expect(killing).toBeDefined();

    // Every write got an answer in time (no hang, no dropped connection): acknowledged, or
    // refused as unavailable; never a 500.
    const bad = result.outcomes.filter((o) => o.error || !(o.status === 201 || (o.status === 503 && o.code === 'unavailable')));
    expect(bad.map((o) => `${o.write.kind} ${o.write.id}: ${o.error ?? `${o.status} ${o.code}`}`)).toEqual([]);
    expect(result.outcomes.slice(killedAt).filter((o) => o.status === 503).length).toBeGreaterThan(0);
    expect(server.alive()).toBe(true);

    // While Redis is down: a read is refused the same way, quickly; health still answers.
    const down = await api(server.url, 'GET', '/api/townships', undefined, { token });
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ code: 'unavailable', message: expect.any(String) });
    const refusedWrite = await api(server.url, 'POST', '/api/townships', { id: 'kb-while-down', name: 'x' }, { token });
    expect(refusedWrite.status).toBe(503);
    expect((await api(server.url, 'GET', '/api/health', undefined, { token: null })).status).toBe(200);
    // The outage spans the server's background work (health checks every 2 s, demand timers):
    // for 5 s, every answer is a prompt 503 and the process stays up.
    const outageEnd = Date.now() + 5000;
    const answers = new Map<string, number>();
    while (Date.now() < outageEnd) {
      const started = Date.now();
      const r = await api(server.url, 'GET', '/api/cameras', undefined, { token });
      const key = `${r.status} ${(r.json as { code?: string } | undefined)?.code} ${Date.now() - started < 3000 ? 'fast' : 'slow'}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
      expect(server.alive()).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...answers.keys()]).toEqual(['503 unavailable fast']);
    expect(errorMessages(server.output())).toContain('redis connection error');

    await redis.restart();
    await waitFor('the server to reach Redis again', async () => (await api(server.url, 'GET', '/api/townships', undefined, { token })).status === 200, 20_000);
    expect(server.alive()).toBe(true);
    await expectAllPresent(server.url, token, result.acked);
    // What was refused while Redis was down was not stored.
    const townships = (await api(server.url, 'GET', '/api/townships', undefined, { token })).json as { id: string }[];
    expect(townships.map((t) => t.id)).not.toContain('kb-while-down');

    // Writes acknowledged after Redis came back work, and are there.
    const after = await burst(server.url, token, 'kb-after', { units: 2, lanes: 2 });
    expect(after.outcomes.map((o) => o.status)).toEqual(after.outcomes.map(() => 201));
    await expectAllPresent(server.url, token, after.acked);

    expect(server.alive()).toBe(true);
    // Nothing failed unhandled on the way: the outage reached every caller as an error it handled.
    const unhandled = server.output().split('\n').filter((l) => /unhandled|uncaught/i.test(l));
    expect(unhandled.map((l) => l.slice(0, 800))).toEqual([]);
    await server.stop();
    expect(server.child.signalCode === 'SIGTERM' || server.child.exitCode === 0).toBe(true);
  }, 90_000);
});
