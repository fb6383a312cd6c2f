#!/usr/bin/env node
// Camera -> browser latency, frame by frame. The simulated camera draws the wall-clock time
// (ms, 32 black/white blocks) into every frame it makes; the page reads the blocks back from
// each presented frame and subtracts. Same machine, same clock. Measures the whole path:
// encode, RTSP, the gateway (relay or ffmpeg), mediasoup, Chromium decode and render.
//   flock /tmp/county-bench.lock node bench/latency.mjs [--mode webrtc|hls] [--seconds 20]
//     [--passthrough relay|ffmpeg] [--json]
// Prints the figures and, last, one JSON line (only that line with --json).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, percentile, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'webrtc' },
    seconds: { type: 'string', default: '20' },
    passthrough: { type: 'string', default: 'relay' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const say = values.json ? () => undefined : console.log;

const camera = await startCamera(['/tc=timecode']);
const stack = await startStack({}, { passthrough: values.passthrough });
const loadBefore = os.loadavg()[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
let samples = [];
let bad = 0;
try {
  await stack.addCamera({ id: 'timecode', name: 'timecode', url: `rtsp://127.0.0.1:${camera.port}/tc`, pull: 'always' });
  await stack.waitOnline('timecode');
  const page = await stack.newPage(browser);
  await page.goto(`${stack.url}/wall${values.mode === 'hls' ? '?mode=hls' : ''}`);
  await page.waitForFunction(() => Number(document.querySelector('[data-camera-id="timecode"]')?.getAttribute('data-frames-decoded')) > 0, null, { timeout: 30_000 });
  await page.waitForTimeout(3000); // settle (HLS buffer, jitter buffer)
  const result = await page.evaluate(async (ms) => {
    const video = document.querySelector('[data-camera-id="timecode"] video');
    const canvas = new OffscreenCanvas(640, 360);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const out = { latencies: [], bad: 0 };
    const end = performance.now() + ms;
    await new Promise((resolve) => {
      const onFrame = () => {
        const now = Date.now();
        ctx.drawImage(video, 0, 0, 640, 360);
        const row = ctx.getImageData(0, 180, 640, 1).data;
        let stamp = 0;
        for (let bit = 0; bit < 32; bit++) stamp = stamp * 2 + (row[(bit * 20 + 10) * 4] > 128 ? 1 : 0);
        const latency = ((now % 2 ** 32) - stamp + 2 ** 32) % 2 ** 32;
        if (latency < 60_000) out.latencies.push(latency);
        else out.bad++;
        if (performance.now() < end) video.requestVideoFrameCallback(onFrame);
        else resolve();
      };
      video.requestVideoFrameCallback(onFrame);
    });
    return out;
  }, seconds * 1000);
  samples = result.latencies;
  bad = result.bad;
} finally {
  await browser.close();
  await stack.stop();
  camera.stop();
}
const result = {
  bench: 'latency', mode: values.mode, passthrough: values.passthrough, frames: samples.length, unreadable: bad,
  p50: percentile(samples, 50), p95: percentile(samples, 95), min: Math.min(...samples), max: Math.max(...samples),
  loadAvg1m: Math.round(loadBefore * 100) / 100, cores: os.cpus().length,
};
say(`camera -> ${values.passthrough} -> ${values.mode} -> rendered in Chromium, ${samples.length} frames over ${seconds} s (${bad} unreadable)`);
say(`p50 ${result.p50} ms   p95 ${result.p95} ms   min ${result.min} ms   max ${result.max} ms   (load average ${result.loadAvg1m} before)`);
console.log(JSON.stringify(result));
