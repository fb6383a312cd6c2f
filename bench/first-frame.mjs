#!/usr/bin/env node
// Time from opening /wall to the first decoded camera frame in Chromium, over N page loads,
// for a camera with a 1 s and one with a 4 s keyframe interval (the first picture waits for
// the camera's next keyframe: ffmpeg does not pass keyframe requests on to RTSP cameras).
//   node bench/first-frame.mjs [--runs 15] [--gop 25,100]
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, median, percentile, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, gop: { type: 'string', default: '25,100' }, json: { type: 'boolean', default: false } } });
const say = values.json ? () => undefined : console.log;
const runs = Number(values.runs);
const gops = values.gop.split(',').map(Number);
const FPS = 25;

const stack = await startStack();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const results = [];
try {
  for (const gop of gops) {
    const camera = await startCamera(['/bench'], ['--gop', String(gop)]);
    const id = `bench-gop${gop}`;
    try {
      await stack.addCamera({ id, name: id, url: `rtsp://127.0.0.1:${camera.port}/bench`, pull: 'always' });
      await stack.waitOnline(id);
      const samples = [];
      for (let i = 0; i < runs; i++) {
        const page = await stack.newPage(browser);
        await page.goto(`${stack.url}/wall`);
        const handle = await page.waitForFunction(
          (cam) => document.querySelector(`[data-camera-id="${cam}"]`)?.getAttribute('data-first-frame-ms'),
          id,
          { timeout: 30_000 },
        );
        samples.push(Number(await handle.jsonValue()));
        await page.context().close();
        // Spread the page loads over the GOP so they land at different keyframe phases.
        await new Promise((r) => setTimeout(r, 137 + Math.random() * 400));
      }
      results.push({ gopSeconds: gop / FPS, runs, medianMs: median(samples), p90Ms: percentile(samples, 90), minMs: Math.min(...samples), maxMs: Math.max(...samples) });
      await stack.fetch(`/api/cameras/${id}`, { method: 'DELETE' });
    } finally {
      camera.stop();
    }
  }
} finally {
  await browser.close();
  await stack.stop();
}
say('first decoded frame after opening /wall (ms, navigation start -> first video frame callback)');
if (!values.json) console.table(results);
if (results.length === 2) say(`median ratio gop ${results[1].gopSeconds}s / ${results[0].gopSeconds}s: ${(results[1].medianMs / results[0].medianMs).toFixed(2)}`);
console.log(JSON.stringify({ bench: 'first-frame', results }));
