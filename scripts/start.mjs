#!/usr/bin/env node
// `npm start`: the whole product on one machine — Redis (unless REDIS_URL names the county's),
// the demo RTSP camera (GStreamer), the SFU (serving the built UI) and a camera gateway — on
// http://127.0.0.1:8080 (PORT overrides). HOST=0.0.0.0 (or a LAN address) serves HTTPS on
// PORT (default 8443) with a generated county CA, and plain HTTP stays on 127.0.0.1:8080.
// Set CAMERAS_FILE to import your own cameras instead of the demo camera on first start.
import { spawn } from 'node:child_process';
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
const children = [];
let stopping = false;

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

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
      '--appendonly', 'yes', '--appendfsync', fsync, '--save', '']);
    await waitForLine(redis, /ready to accept connections/i, 60_000);
    console.log(`[start] redis ready (${dir}, appendfsync ${fsync})`);
    redisUrl = `unix://${sock}`;
  }
  if (useDemoCamera) {
    const cam = start('demo camera', '/usr/bin/python3', ['sim-cameras/rtsp_camera.py', '--port', '8554', '--mount', '/demo=h264+aac', '--mount', '/site=h265+pcma']);
    await waitForLine(cam, /^READY/, 15_000);
    console.log('[start] demo camera ready at rtsp://127.0.0.1:8554/demo');
  }
  const sfu = start('sfu-server', process.execPath, ['sfu-server/dist/main.js'], {
    PORT: port,
    HOST: host,
    GATEWAY_TOKEN: token,
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
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
  const shown = lan ? `https://${host === '0.0.0.0' || host === '::' ? '<this machine\'s address>' : sfuHost}:${port}` : local;
  console.log(`\n[start] county video command center: ${shown}/wall  (Ctrl+C stops)`);
  if (lan) console.log(`[start] on this machine: ${local}/wall; township PCs trust ${shown}/ca.crt (see docs/tls.md)`);
  console.log('');
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}
