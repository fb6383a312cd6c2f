#!/usr/bin/env node
// `npm start`: the whole product on one machine — the demo RTSP camera (GStreamer), the SFU
// (serving the built UI) and a camera gateway — on http://127.0.0.1:8080 (PORT overrides).
// Set CAMERAS_FILE to use your own cameras instead of the demo camera.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const port = process.env.PORT ?? '8080';
const host = process.env.HOST ?? '127.0.0.1';
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
  if (useDemoCamera) {
    const cam = start('demo camera', '/usr/bin/python3', ['sim-cameras/rtsp_camera.py', '--port', '8554', '--mount', '/demo=h264+aac', '--mount', '/site=h265+pcma']);
    await waitForLine(cam, /^READY/, 15_000);
    console.log('[start] demo camera ready at rtsp://127.0.0.1:8554/demo');
  }
  const sfu = start('sfu-server', process.execPath, ['sfu-server/dist/main.js'], {
    PORT: port,
    HOST: host,
    GATEWAY_TOKEN: token,
    UI_DIST: path.join(root, 'control-ui', 'dist'),
    CAMERAS_FILE: process.env.CAMERAS_FILE ?? path.join(root, 'config', 'demo-cameras.json'),
  });
  await waitForLine(sfu, /sfu-server listening/, 30_000);
  const sfuHost = host.includes(':') ? `[${host}]` : host;
  start('camera-gateway', process.execPath, ['camera-gateway/dist/main.js'], {
    SFU_URL: `http://${host === '0.0.0.0' ? '127.0.0.1' : sfuHost}:${port}`,
    GATEWAY_TOKEN: token,
  });
  console.log(`\n[start] county video command center: http://${sfuHost}:${port}/wall  (Ctrl+C stops)\n`);
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}
