#!/usr/bin/env node
// Camera -> browser latency, frame by frame. The simulated camera draws the wall-clock time
// (ms, 32 black/white blocks) into every frame it makes; the page reads the blocks back from
// each presented frame and subtracts. Same machine, same clock. Measures the whole path:
// encode, RTSP, gateway ffmpeg, mediasoup, Chromium decode and render.
//   node bench/latency.mjs [--mode webrtc|hls] [--seconds 20]
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, percentile, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'webrtc' }, seconds: { type: 'string', default: '20' } } });
const seconds = Number(values.seconds);

const camera = await startCamera(['/tc=timecode']);
const stack = await startStack();
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
console.log(`camera -> ${values.mode} -> rendered in Chromium, ${samples.length} frames over ${seconds} s (${bad} unreadable)`);
console.log(`p50 ${percentile(samples, 50)} ms   p95 ${percentile(samples, 95)} ms   min ${Math.min(...samples)} ms   max ${Math.max(...samples)} ms`);
