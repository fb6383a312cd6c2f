// Shared pieces of the benchmarks: start the real stack (SFU + gateway + GStreamer camera)
// on 127.0.0.1 from the built dist folders, and small statistics helpers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { SfuServer } = require(path.join(root, 'sfu-server/dist/server.js'));
const { loadConfig } = require(path.join(root, 'sfu-server/dist/config.js'));
const { CameraGateway } = require(path.join(root, 'camera-gateway/dist/CameraGateway.js'));
const { createLogger, resolveFfmpeg, resolveFfprobe } = require(path.join(root, 'shared/dist/node/index.js'));
export const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
export const median = (xs) => percentile(xs, 50);

/** The GStreamer camera (sim-cameras/rtsp_camera.py) with the given mounts (`onvifPort` with --onvif-port). */
export function startCamera(mounts, extra = []) {
  const args = [path.join(root, 'sim-cameras/rtsp_camera.py'), '--port', '0', ...extra];
  for (const m of mounts) args.push('--mount', m);
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let onvifPort;
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`camera exited ${c}`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const o = /^ONVIF (\d+)/.exec(l);
      if (o) onvifPort = Number(o[1]);
      const m = /^READY (\d+)/.exec(l);
      if (m) resolve({ port: Number(m[1]), onvifPort, pid: child.pid, stop: () => child.kill('SIGTERM') });
    });
  });
}

/** Debian's redis-server on a unix socket in a temporary directory (state of one run). */
async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-bench-redis-'));
  const sock = path.join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`redis-server exited ${c}`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => /ready to accept connections/i.test(l) && resolve());
  });
  return {
    url: `unix://${sock}`,
    stop: () => {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SFU's gateway token in benchmarks (a gateway process of the caller's own uses it). */
export const GATEWAY_TOKEN = 'bench-gateway-token-0123456789';

/**
 * SFU (with its own Redis, signed in as admin) + in-process gateway. `env` overrides the SFU
 * config; `passthrough` the gateway's H.264 passthrough (`relay` by default, or `ffmpeg`);
 * `gateway: false` starts none (the caller runs its own gateway process).
 */
export async function startStack(env = {}, { passthrough = 'relay', gateway: withGateway = true } = {}) {
  const logger = createLogger('bench', { level: 'warn' });
  const token = GATEWAY_TOKEN;
  const password = 'bench-admin-password';
  const redis = await startRedis();
  const sfu = await SfuServer.create(
    loadConfig({
      HOST: '127.0.0.1', PORT: '0', GATEWAY_TOKEN: token, UI_DIST: path.join(root, 'control-ui/dist'),
      RTC_MIN_PORT: '43000', RTC_MAX_PORT: '43999', REDIS_URL: redis.url, ADMIN_PASSWORD: password,
      CAMERA_NETWORKS: '127.0.0.0/8', ...env,
    }),
    logger,
  );
  const signIn = async () => {
    const r = await fetch(`${sfu.url}/api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }),
    });
    if (r.status !== 200) throw new Error(`login: ${r.status}`);
    return r.json();
  };
  const { token: adminToken } = await signIn();
  const authed = (p, init = {}) => fetch(`${sfu.url}${p}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${adminToken}` } });
  const ffmpegPath = resolveFfmpeg();
  const gateway = withGateway
    ? new CameraGateway({
        sfuUrl: sfu.url, token, gatewayId: 'bench', tools: { ffmpegPath, ffprobePath: resolveFfprobe(ffmpegPath), passthrough }, logger,
      })
    : undefined;
  return {
    sfu,
    gateway,
    url: sfu.url,
    /** The admin's access token (socket.io `auth: {token}`). */
    token: adminToken,
    fetch: authed,
    /** A browser page signed in as admin (the cookies the login form sets). */
    async newPage(browser) {
      const login = await signIn();
      const context = await browser.newContext();
      await context.addCookies([
        { name: 'cv_access', value: login.token, url: `${sfu.url}/` },
        { name: 'cv_refresh', value: login.refreshToken, url: `${sfu.url}/api` },
      ]);
      return context.newPage();
    },
    async addCamera(body) {
      const r = await authed('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`add camera: ${r.status} ${await r.text()}`);
    },
    async removeCamera(id) {
      const r = await authed(`/api/cameras/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (r.status !== 204) throw new Error(`remove camera: ${r.status} ${await r.text()}`);
    },
    /** PUT /api/screens/:id (a wall screen: `{name, layout, tiles}`). */
    async putScreen(id, body) {
      const r = await authed(`/api/screens/${encodeURIComponent(id)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status !== 200) throw new Error(`put screen: ${r.status} ${await r.text()}`);
    },
    async waitOnline(id, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const cam = await (await authed(`/api/cameras/${id}`)).json();
        if (cam.status === 'online') return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${id} never came online`);
    },
    async stop() {
      await gateway?.close();
      await sfu.close();
      redis.stop();
    },
  };
}
