#!/usr/bin/env node
// Time from opening /wall to the first decoded camera frame in Chromium, over N page loads.
// Real parts: GStreamer RTSP camera -> gateway ffmpeg -> mediasoup -> Chromium.
//   node bench/first-frame.mjs [--runs 15] [--gop 25,100]
// Needs `npm run build` (npm test / npm start do it). Binds 127.0.0.1 only; stops all it starts.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { SfuServer } = require(path.join(root, 'sfu-server/dist/server.js'));
const { loadConfig } = require(path.join(root, 'sfu-server/dist/config.js'));
const { CameraGateway } = require(path.join(root, 'camera-gateway/dist/CameraGateway.js'));
const { resolveFfmpeg, resolveFfprobe } = require(path.join(root, 'shared/dist/node/index.js'));
const { createLogger } = require(path.join(root, 'shared/dist/node/index.js'));
const { chromium } = require('playwright-core');

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, gop: { type: 'string', default: '25,100' } } });
const runs = Number(values.runs);
const gops = values.gop.split(',').map(Number);
const FPS = 25;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function startCamera(gop) {
  const child = spawn('/usr/bin/python3', [path.join(root, 'sim-cameras/rtsp_camera.py'), '--port', '0', '--gop', String(gop), '--mount', '/bench'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`camera exited ${c}`)));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const m = /^READY (\d+)/.exec(l);
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
    });
  });
}

async function waitOnline(base, id) {
  for (let i = 0; i < 150; i++) {
    const cam = await (await fetch(`${base}/api/cameras/${id}`)).json();
    if (cam.status === 'online') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('camera never came online');
}

const logger = createLogger('bench', { level: 'warn' });
const token = 'bench-gateway-token-0123456789';
const sfu = await SfuServer.create(
  loadConfig({ HOST: '127.0.0.1', PORT: '0', GATEWAY_TOKEN: token, UI_DIST: path.join(root, 'control-ui/dist'), RTC_MIN_PORT: '43000', RTC_MAX_PORT: '43999' }),
  logger,
);
const ffmpegPath = resolveFfmpeg();
const gateway = new CameraGateway({ sfuUrl: sfu.url, token, gatewayId: 'bench', tools: { ffmpegPath, ffprobePath: resolveFfprobe(ffmpegPath) }, logger });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const results = [];
try {
  for (const gop of gops) {
    const camera = await startCamera(gop);
    const id = `bench-gop${gop}`;
    try {
      await fetch(`${sfu.url}/api/cameras`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, name: id, url: `rtsp://127.0.0.1:${camera.port}/bench` }),
      });
      await waitOnline(sfu.url, id);
      const samples = [];
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${sfu.url}/wall`);
        const handle = await page.waitForFunction(
          (cam) => document.querySelector(`[data-camera-id="${cam}"]`)?.getAttribute('data-first-frame-ms'),
          id,
          { timeout: 30_000 },
        );
        samples.push(Number(await handle.jsonValue()));
        await context.close();
        // Spread the page loads over the GOP so they land at different keyframe phases.
        await new Promise((r) => setTimeout(r, 137 + Math.random() * 400));
      }
      results.push({ gopSeconds: gop / FPS, runs, medianMs: median(samples), p90Ms: pct(samples, 90), minMs: Math.min(...samples), maxMs: Math.max(...samples) });
      await fetch(`${sfu.url}/api/cameras/${id}`, { method: 'DELETE' });
    } finally {
      camera.stop();
    }
  }
} finally {
  await browser.close();
  await gateway.close();
  await sfu.close();
}
console.log('first decoded frame after opening /wall (ms, navigation start -> first video frame callback)');
console.table(results);
if (results.length === 2) console.log(`median ratio gop ${results[1].gopSeconds}s / ${results[0].gopSeconds}s: ${(results[1].medianMs / results[0].medianMs).toFixed(2)}`);
