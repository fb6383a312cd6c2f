#!/usr/bin/env node
// `npm start`: the whole product on one machine — Redis (unless REDIS_URL names the county's),
// the demo RTSP camera (GStreamer), the SFU (serving the built UI) and a camera gateway — on
// http://127.0.0.1:8080 (PORT overrides). HOST=0.0.0.0 (or a LAN address) serves HTTPS on
// PORT (default 8443) with a generated county CA, and plain HTTP stays on 127.0.0.1:8080.
// Set CAMERAS_FILE to import your own cameras instead of the demo camera on first start.
//
// The demo (no CAMERAS_FILE): one simulated camera process serves a labelled scene per site
// stream (config/demo-scenes.json), config/demo-cameras.json names them (three townships,
// four sites, a panorama and a close view each). On the first start (our own Redis still
// empty) this script picks the first admin's password itself (unless ADMIN_PASSWORD is set),
// prints it once as the SFU would, and signs in with it to seed the wall: screen `hall`
// and the presets of demo-scenes.json (and its plans, when the server has /api/plans).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const host = process.env.HOST ?? '127.0.0.1';
const lan = !(host === '::1' || host.startsWith('127.'));
const port = process.env.PORT ?? (lan ? '8443' : '8080');
const localHttpPort = process.env.LOCAL_HTTP_PORT ?? (lan ? '8080' : undefined);
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, 'data'));
const token = process.env.GATEWAY_TOKEN ?? crypto.randomBytes(24).toString('base64url');
const useDemoCamera = !process.env.CAMERAS_FILE;
const demo = useDemoCamera ? JSON.parse(fs.readFileSync(path.join(root, 'config', 'demo-scenes.json'), 'utf8')) : undefined;
const children = [];
let stopping = false;
let freshRedis = false;

// `detached`: a process group of its own, so Ctrl+C (SIGINT to the terminal's whole group)
// does not reach it and stop() ends it last (Redis outlives the SFU's final writes).
function start(name, cmd, args, env = {}, { detached = false } = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached });
  child.stdout.pipe(process.stdout);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}`)), ms);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (pattern.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

async function stop(code) {
  stopping = true;
  // Gateway first so its ffmpeg processes end before the SFU and the camera go.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => (child.kill('SIGKILL'), r()), 5000);
      child.once('exit', () => (clearTimeout(t), r()));
    });
  }
  process.exit(code);
}
// Should this script die some other way, no child outlives it.
process.on('exit', () => children.forEach(({ child }) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/**
 * The demo's wall (config/demo-scenes.json) through the HTTP API, once: only while screen
 * `hall` was never saved (a screen the operators changed or deleted stays as they left it).
 */
async function seedDemo(base, password) {
  const api = async (method, p, body, headers = {}) => {
    const r = await fetch(`${base}${p}`, {
      method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body && JSON.stringify(body),
    });
    return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text() };
  };
  try {
    const login = await api('POST', '/api/login', { username: 'admin', password });
    if (login.status !== 200) return console.log(`[start] demo wall not seeded (admin sign-in: ${login.status})`);
    const auth = { authorization: `Bearer ${login.body.token}` };
    const hall = await api('GET', `/api/screens/${demo.screens[0].id}`, undefined, auth);
    if (hall.status !== 200 || hall.body.updatedBy !== '') return; // seeded before (or changed since)
    const done = [];
    const put = async (what, method, p, body) => {
      const r = await api(method, p, body, auth);
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      done.push(what);
    };
    // Sites and townships on the shipped schematic map.
    for (const [id, position] of Object.entries(demo.positions?.sites ?? {})) await put(`site ${id} on the map`, 'PATCH', `/api/sites/${id}`, { position });
    for (const [id, position] of Object.entries(demo.positions?.townships ?? {})) await put(`township ${id} on the map`, 'PATCH', `/api/townships/${id}`, { position });
    for (const p of demo.presets ?? []) await put(`preset ${p.id}`, 'POST', '/api/presets', p);
    // The screens (the first is the marker that the demo was seeded), then the emergency
    // plans that name them, when this server has plans.
    for (const { id, ...s } of demo.screens) await put(`screen ${id}`, 'PUT', `/api/screens/${id}`, s);
    if (demo.plans?.length && (await api('GET', '/api/plans', undefined, auth)).status === 200) {
      for (const p of demo.plans) await put(`plan ${p.id}`, 'POST', '/api/plans', p);
    }
    console.log(`[start] demo wall seeded: ${done.join(', ')}`);
  } catch (err) {
    console.log(`[start] demo wall not (fully) seeded: ${err.message}`);
  }
}

try {
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    // Our own Redis: append-only file, fsync before every acknowledgement, on a unix socket
    // only this user can open (no password to manage, nothing listening on the network).
    const dir = path.join(dataDir, 'redis');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const sock = path.join(dir, 'redis.sock');
    const fsync = process.env.REDIS_APPENDFSYNC ?? 'always';
    const redis = start('redis', 'redis-server', ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--dir', dir,
      '--appendonly', 'yes', '--appendfsync', fsync, '--save', ''], {}, { detached: true });
    await waitForLine(redis, /ready to accept connections/i, 60_000);
    console.log(`[start] redis ready (${dir}, appendfsync ${fsync})`);
    redisUrl = `unix://${sock}`;
    freshRedis = execFileSync('redis-cli', ['-s', sock, 'DBSIZE'], { encoding: 'utf8' }).trim() === '0';
  }
  if (useDemoCamera) {
    const { port: camPort, onvifPort, size, fps, bitrate, mounts } = demo.camera;
    const args = ['sim-cameras/rtsp_camera.py', '--port', String(camPort), '--onvif-port', String(onvifPort),
      '--size', size, '--fps', String(fps), '--bitrate', String(bitrate)];
    // A mount may have its own size and bitrate: a camera's main stream beside its sub stream.
    const own = (m) => `${m.size ? `&size=${m.size}` : ''}${m.bitrate ? `&bitrate=${m.bitrate}` : ''}`;
    for (const m of mounts) args.push('--mount', `${m.path}=h264?gop=${m.gop}&pattern=${m.pattern}&title=${encodeURIComponent(m.title)}${own(m)}`);
    const cam = start('demo cameras', '/usr/bin/python3', args);
    await waitForLine(cam, /^READY/, 15_000);
    console.log(`[start] demo cameras ready: ${mounts.length} scenes at rtsp://127.0.0.1:${camPort}${mounts[0].path} ... (ONVIF on ${onvifPort})`);
  }
  // The first admin's password: the user's, or (first start of our own Redis) ours, so that
  // the demo can be seeded through the API; the SFU uses it only while no admin exists.
  let adminPassword = process.env.ADMIN_PASSWORD;
  const generatedPassword = !adminPassword && freshRedis && useDemoCamera;
  if (generatedPassword) adminPassword = crypto.randomBytes(12).toString('base64url');
  const sfu = start('sfu-server', process.execPath, ['sfu-server/dist/main.js'], {
    PORT: port,
    HOST: host,
    GATEWAY_TOKEN: token,
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    ...(adminPassword ? { ADMIN_PASSWORD: adminPassword } : {}),
    ...(localHttpPort ? { LOCAL_HTTP_PORT: localHttpPort } : {}),
    UI_DIST: path.join(root, 'control-ui', 'dist'),
    CAMERAS_FILE: process.env.CAMERAS_FILE ?? path.join(root, 'config', 'demo-cameras.json'),
    // The demo camera runs on this machine; real cameras live on the county's private networks.
    ...(useDemoCamera && !process.env.CAMERA_NETWORKS
      ? { CAMERA_NETWORKS: '127.0.0.1/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7' }
      : {}),
  });
  await waitForLine(sfu, /sfu-server listening/, 60_000);
  const sfuHost = host.includes(':') ? `[${host}]` : host;
  // The gateway beside the SFU talks to it over loopback (plain HTTP when the LAN side is TLS).
  const local = localHttpPort ? `http://127.0.0.1:${localHttpPort}` : `http://${sfuHost}:${port}`;
  start('camera-gateway', process.execPath, ['camera-gateway/dist/main.js'], { SFU_URL: local, GATEWAY_TOKEN: token });
  if (generatedPassword) {
    console.log(`\n  First admin account — username: admin  password: ${adminPassword}\n  Sign in at ${local}/login (the password is not shown again)\n`);
  }
  if (useDemoCamera && adminPassword) await seedDemo(local, adminPassword);
  const shown = lan ? `https://${host === '0.0.0.0' || host === '::' ? '<this machine\'s address>' : sfuHost}:${port}` : local;
  console.log(`\n[start] county video command center: ${shown}/console, ${shown}/wall/hall, ${shown}/wall  (Ctrl+C stops)`);
  if (lan) console.log(`[start] on this machine: ${local}/wall; township PCs trust ${shown}/ca.crt (see docs/tls.md)`);
  console.log('');
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}
