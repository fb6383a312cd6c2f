#!/usr/bin/env node
// Time from opening /wall to the first decoded frame in Chromium for two 4 s-GOP cameras side
// by side: one whose ONVIF service the SFU asks for a keyframe (SetSynchronizationPoint) when
// the viewer's consumer starts, one without ONVIF (the viewer waits for the camera's own
// keyframe). Also prints how many requests reached the camera. The last line is JSON.
//   node bench/keyframe.mjs [--runs 10] [--gop 100]
// Needs the built dist folders (npm run build).
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, median, percentile, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, gop: { type: 'string', default: '100' }, json: { type: 'boolean', default: false } } });
const say = values.json ? () => undefined : console.log;
const runs = Number(values.runs);
const gop = Number(values.gop);
const FPS = 25;
const CAMERAS = { onvif: 'kf-onvif', plain: 'kf-plain' };

const withOnvif = await startCamera([`/cam?gop=${gop}`], ['--onvif-port', '0']);
const plain = await startCamera([`/cam?gop=${gop}`]);
const stack = await startStack();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const onvifStats = async () => (await fetch(`http://127.0.0.1:${withOnvif.onvifPort}/stats`)).json();
const samples = { onvif: [], plain: [] };
let requests = 0;
try {
  await stack.addCamera({
    id: CAMERAS.onvif, name: 'ONVIF', url: `rtsp://127.0.0.1:${withOnvif.port}/cam`, pull: 'always',
    onvif: { url: `http://127.0.0.1:${withOnvif.onvifPort}/onvif/device_service` },
  });
  await stack.addCamera({ id: CAMERAS.plain, name: 'plain', url: `rtsp://127.0.0.1:${plain.port}/cam`, pull: 'always' });
  await stack.waitOnline(CAMERAS.onvif);
  await stack.waitOnline(CAMERAS.plain);
  const before = (await onvifStats()).setSynchronizationPoint;
  for (let i = 0; i < runs; i++) {
    const page = await stack.newPage(browser);
    await page.goto(`${stack.url}/wall`);
    for (const [kind, id] of Object.entries(CAMERAS)) {
      const handle = await page.waitForFunction(
        (cam) => document.querySelector(`[data-camera-id="${cam}"]`)?.getAttribute('data-first-frame-ms'),
        id,
        { timeout: 30_000 },
      );
      samples[kind].push(Number(await handle.jsonValue()));
    }
    await page.context().close();
    // Spread the page loads over the GOP so they land at different keyframe phases.
    await new Promise((r) => setTimeout(r, 1100 + Math.random() * (gop / FPS) * 1000));
  }
  requests = (await onvifStats()).setSynchronizationPoint - before;
} finally {
  await browser.close();
  await stack.stop();
  withOnvif.stop();
  plain.stop();
}

const row = (xs) => ({ runs: xs.length, medianMs: median(xs), p90Ms: percentile(xs, 90), minMs: Math.min(...xs), maxMs: Math.max(...xs) });
const results = { gopSeconds: gop / FPS, withOnvif: row(samples.onvif), withoutOnvif: row(samples.plain), setSynchronizationPointRequests: requests };
say(`first decoded frame after opening /wall (ms, navigation start -> first video frame callback), ${gop / FPS} s GOP`);
if (!values.json) console.table({ 'ONVIF keyframe requests': results.withOnvif, 'no ONVIF (camera GOP)': results.withoutOnvif });
say(`SetSynchronizationPoint requests that reached the camera: ${requests} for ${runs} page loads`);
console.log(JSON.stringify({ bench: 'keyframe', ...results, samples }));
