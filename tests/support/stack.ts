import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { Writable } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { CameraGateway } from '../../camera-gateway/src/CameraGateway';
import type { PullTools } from '../../camera-gateway/src/CameraPull';
import { resolveFfmpeg, resolveFfprobe } from '@county/shared/node';
import { loadConfig } from '../../sfu-server/src/config';
import { startRedis, type RedisServer } from './redis';
import { SfuServer } from '../../sfu-server/src/server';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789';
export const ADMIN_PASSWORD = 'test-admin-password-0123';
/** Loopback holds the test cameras; the private ranges stay as in production. */
export const TEST_CAMERA_NETWORKS = '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16';

/** The admin token of each running stack: api() and browserSocket() use it unless told otherwise. */
const adminTokens = new Map<string, string>();
export const UI_DIST = path.resolve(__dirname, '../../control-ui/dist');

/** Every log line of the stack, so tests can assert what never gets logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString());
    // TEST_LOG_FILE=path keeps every stack's log for reading after a failed run.
    if (process.env.TEST_LOG_FILE) fs.appendFileSync(process.env.TEST_LOG_FILE, chunk);
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export function gatewayTools(): { ffmpegPath: string; ffprobePath: string } {
  const ffmpegPath = resolveFfmpeg();
  return { ffmpegPath, ffprobePath: resolveFfprobe(ffmpegPath) };
}

export interface Stack {
  sfu: SfuServer;
  gateway?: CameraGateway;
  baseUrl: string;
  logs: LogCapture;
  /** The stack's own Redis (absent when the caller passed REDIS_URL). */
  redis?: RedisServer;
  /** The admin's access token. */
  adminToken: string;
  stop(): Promise<void>;
}

/** The RTC and ingest port ranges of this jest worker's stacks (parallel workers get their own). */
export function testPortRanges(): { rtcMin: number; rtcMax: number; ingestMin: number; ingestMax: number } {
  const base = 42000 + 1000 * (Number(process.env.JEST_WORKER_ID ?? 1) - 1);
  return { rtcMin: base, rtcMax: base + 499, ingestMin: base + 500, ingestMax: base + 899 };
}

/**
 * A real SFU (real mediasoup workers, a real Redis of its own) on 127.0.0.1 and, unless told
 * not to, a real gateway; signed in as admin.
 */
export async function startStack(
  opts: { gateway?: boolean; ui?: boolean; env?: NodeJS.ProcessEnv; tools?: PullTools } = {},
): Promise<Stack> {
  const logs = new LogCapture();
  const logger = createLogger('test', { destination: logs, level: 'debug' });
  const redis = opts.env?.REDIS_URL ? undefined : await startRedis();
  const ports = testPortRanges();
  // The WebRTC ports are probed free: another test run on this machine may hold some.
  const workers = Number(opts.env?.MEDIASOUP_WORKERS ?? 2);
  const webRtcPort = opts.env?.WEBRTC_PORT ?? String(await freeWebRtcPorts(workers));
  // Recordings (cameras' and meetings') in a folder of this stack's own, removed at stop.
  const recordingsDir = opts.env?.RECORDINGS_DIR ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'county-recordings-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    GATEWAY_TOKEN,
    ADMIN_PASSWORD,
    ...(recordingsDir ? { RECORDINGS_DIR: recordingsDir } : {}),
    CAMERA_NETWORKS: TEST_CAMERA_NETWORKS,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    MEDIASOUP_WORKERS: '2',
    RTC_MIN_PORT: String(ports.rtcMin),
    RTC_MAX_PORT: String(ports.rtcMax),
    INGEST_MIN_PORT: String(ports.ingestMin),
    INGEST_MAX_PORT: String(ports.ingestMax),
    // Two ingest ports per camera (main and sub stream): 400 ports hold 200 cameras.
    MAX_CAMERAS: '200',
    WEBRTC_PORT: webRtcPort,
    ...(opts.ui ? { UI_DIST } : {}),
    ...opts.env,
  });
  let sfu: SfuServer;
  try {
    sfu = await SfuServer.create(config, logger);
  } catch (err) {
    await redis?.destroy();
    if (recordingsDir) fs.rmSync(recordingsDir, { recursive: true, force: true });
    throw err;
  }
  const baseUrl = sfu.url;
  // Over TLS the gateway beside the SFU uses the plain loopback listener, as in production.
  const localHttp = sfu.localHttp?.address();
  const gatewayUrl = localHttp && typeof localHttp === 'object' ? `http://127.0.0.1:${localHttp.port}` : baseUrl;
  const adminToken = sfu.url.startsWith('https:') ? '' : await login(baseUrl, 'admin', ADMIN_PASSWORD);
  adminTokens.set(baseUrl, adminToken);
  const gateway =
    opts.gateway === false
      ? undefined
      : new CameraGateway({ sfuUrl: gatewayUrl, token: GATEWAY_TOKEN, gatewayId: 'test', tools: opts.tools ?? gatewayTools(), logger });
  return {
    sfu,
    gateway,
    baseUrl,
    logs,
    redis,
    adminToken,
    stop: async () => {
      adminTokens.delete(baseUrl);
      await gateway?.close();
      await sfu.close();
      await redis?.destroy();
      if (recordingsDir) fs.rmSync(recordingsDir, { recursive: true, force: true });
    },
  };
}

/** Signs in over the API; the access token. */
export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const r = await api(baseUrl, 'POST', '/api/login', { username, password }, { token: null });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return (r.json as { token: string }).token;
}

/**
 * Calls the API as the stack's admin, or with `token` (null: no credentials at all).
 */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const token = opts.token === undefined ? adminTokens.get(baseUrl) : opts.token;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** Polls `probe` until it gives a value; on time-out the error carries what `explain` says (the state seen last). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  explain?: () => Promise<unknown> | unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = explain ? `; last seen: ${JSON.stringify(await Promise.resolve(explain()).catch((e: unknown) => String(e)))}` : '';
      throw new Error(`timed out waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function cameraStatus(baseUrl: string, id: string): Promise<string | undefined> {
  const { json } = await api(baseUrl, 'GET', `/api/cameras/${id}`);
  return (json as { status?: string } | undefined)?.status;
}

/** A browser-namespace socket signed in as the stack's admin, or with `token` (null: none). */
export function browserSocket(baseUrl: string, token?: string | null): Socket<ServerToClientEvents, ClientToServerEvents> {
  const t = token === undefined ? adminTokens.get(baseUrl) : token;
  return io(baseUrl, { transports: ['websocket'], forceNew: true, auth: t ? { token: t } : {} });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** fetch() as the stack's admin (for bodies that are not JSON: snapshots, HLS, recordings). */
export function adminFetch(baseUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${adminTokens.get(baseUrl) ?? ''}`);
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

/**
 * A browser page already signed in (as admin unless other credentials are given): the
 * session cookies a login through the form would have set.
 */
export async function signedInPage(browser: Browser, baseUrl: string, user = { username: 'admin', password: ADMIN_PASSWORD }, options: BrowserContextOptions = {}): Promise<Page> {
  const r = await api(baseUrl, 'POST', '/api/login', user, { token: null });
  if (r.status !== 200) throw new Error(`login ${user.username}: ${r.status}`);
  const { token, refreshToken } = r.json as { token: string; refreshToken: string };
  const context = await browser.newContext(options);
  await context.addCookies([
    { name: 'cv_access', value: token, url: `${baseUrl}/`, httpOnly: true, sameSite: 'Strict' },
    { name: 'cv_refresh', value: refreshToken, url: `${baseUrl}/api`, httpOnly: true, sameSite: 'Strict' },
  ]);
  // Close it with page.context().close(): the context is the page's own.
  return context.newPage();
}

/** Creates each user as the stack's admin (201 or it throws) and signs them in: their tokens by username. */
export async function addUsers(baseUrl: string, users: { username: string; password: string }[]): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const u of users) {
    const r = await api(baseUrl, 'POST', '/api/users', u);
    if (r.status !== 201) throw new Error(`user ${u.username}: ${r.status} ${r.text}`);
    tokens[u.username] = await login(baseUrl, u.username, u.password);
  }
  return tokens;
}

function bindsNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const udp = dgram.createSocket('udp4');
    udp.once('error', () => resolve(false));
    udp.bind(port, '127.0.0.1', () => {
      const tcp = net.createServer();
      tcp.once('error', () => udp.close(() => resolve(false)));
      tcp.listen(port, '127.0.0.1', () => tcp.close(() => udp.close(() => resolve(true))));
    });
  });
}

/**
 * A first port of `count` consecutive ones free on 127.0.0.1 for UDP and TCP now (the
 * workers' WebRTC servers), between 46000 and 46999: other test runs on this machine may
 * hold some.
 */
export async function freeWebRtcPorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 46000 + Math.floor(Math.random() * (1000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await bindsNow(first + i);
    if (ok) return first;
  }
  throw new Error('no free WebRTC ports in 46000-46999');
}

/** A TCP port free on 127.0.0.1 now (for a listener whose port must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
