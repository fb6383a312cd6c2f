#!/usr/bin/env node
// Switching a wall tile between cameras, as an operator does from the console, and opening a
// 3x3 screen. One Chromium page on /wall/<screen> (layout 1) and two 4 s-GOP cameras; the
// tile is switched between them N times with PUT /api/screens/<id> (admin token), once with
// the cameras' ONVIF settings (the SFU asks the camera for a keyframe) and once without.
// For each switch, from the PUT:
//   first picture: the tile shows the new camera (its fresh still or its video; data-state
//                  still or live),
//   first live:    data-state=live for the new camera (its first decoded frame on screen),
//   black frames:  animation frames (sampled every frame from the PUT to first live) where
//                  the tile shows no picture at all ("state": neither a still nor a video
//                  with a size is visible) or a dark one ("pixels": the visible element drawn
//                  into a canvas, mean luma < 16; the cameras' background is ~45).
// Then: open a 3x3 screen (nine 1 s-GOP cameras on three mounts of one sim camera) and time
// navigation -> first picture and -> live in all nine tiles.
// Prints a table and, last, one JSON line.
//   node bench/switch.mjs [--switches 50] [--gop 100] [--grid-runs 5]
// Needs the built dist folders (npm run build) and Debian's Chromium.
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, median, percentile, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    switches: { type: 'string', default: '50' },
    gop: { type: 'string', default: '100' },
    'grid-runs': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const say = values.json ? () => undefined : console.log;
const switches = Number(values.switches);
const gop = Number(values.gop);
const gridRuns = Number(values['grid-runs']);
const FPS = 25;
const LIVE_TIMEOUT_MS = 15_000;

/**
 * Runs in the page from its first script on: every animation frame, for each camera tile,
 * [Date.now(), tile index, data-camera-id, data-state, what is visible, mean luma or -1].
 * Visible: "still:<camera>" (the tile's fresh still, z-index 2), "video:<camera>" (the front
 * video with a decoded size, z-index 1) or "none".
 */
function sampler() {
  const bench = (window.__bench = { samples: [], pixels: false });
  const canvas = new OffscreenCanvas(32, 18);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const luma = (el) => {
    ctx.drawImage(el, 0, 0, 32, 18);
    const d = ctx.getImageData(0, 0, 32, 18).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    return Math.round(sum / (d.length / 4));
  };
  const tick = () => {
    const now = Date.now();
    for (const tile of document.querySelectorAll('.screen-tile[data-kind="camera"]')) {
      const cam = tile.getAttribute('data-camera-id');
      const img = tile.querySelector('img.screen-tile__still--shown');
      const still = img && img.complete && img.naturalWidth > 0 ? img : undefined;
      const front = [...tile.querySelectorAll('video.screen-tile__video--front')].filter((v) => v.videoWidth > 0).pop();
      const visible = still ? `still:${cam}` : front ? `video:${front.getAttribute('data-layer-camera-id')}` : 'none';
      let y = -1;
      if (bench.pixels) y = still || front ? luma(still ?? front) : 0;
      bench.samples.push([now, Number(tile.getAttribute('data-tile-index')), cam, tile.getAttribute('data-state'), visible, y]);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

const takeSamples = (page) =>
  page.evaluate(() => {
    const s = window.__bench.samples;
    window.__bench.samples = [];
    return s;
  });

const waitLive = (page, index, cameraId, timeout = LIVE_TIMEOUT_MS) =>
  page.waitForFunction(
    ([i, cam]) => {
      const el = document.querySelector(`.screen-tile[data-tile-index="${i}"]`);
      return el?.getAttribute('data-camera-id') === cam && el.getAttribute('data-state') === 'live';
    },
    [index, cameraId],
    { timeout, polling: 20 },
  );

/** Two animation frames: the sampler has recorded what the DOM shows now. */
const sampled = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

const shows = (s, cam) => s[4] === `still:${cam}` || s[4] === `video:${cam}`;

const stats = (all) => { const xs = all.filter(Number.isFinite); return xs.length ? { n: xs.length, p50: median(xs), p95: percentile(xs, 95), min: Math.min(...xs), max: Math.max(...xs) } : {}; };

const onvifCams = [await startCamera([`/cam?gop=${gop}`], ['--onvif-port', '0']), await startCamera([`/cam?gop=${gop}`], ['--onvif-port', '0'])];
const stack = await startStack();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const onvifRequests = async () => {
  let n = 0;
  for (const c of onvifCams) n += (await (await fetch(`http://127.0.0.1:${c.onvifPort}/stats`)).json()).setSynchronizationPoint;
  return n;
};
const modes = {};
let grid;
let gridCamera;
try {
  // ---- switching one tile --------------------------------------------------------------
  const page = await stack.newPage(browser);
  await page.addInitScript(sampler);
  for (const mode of ['onvif', 'plain']) {
    const ids = onvifCams.map((c, i) => `sw-${mode}-${i}`);
    for (const [i, c] of onvifCams.entries()) {
      await stack.addCamera({
        id: ids[i], name: ids[i], url: `rtsp://127.0.0.1:${c.port}/cam`, pull: 'always',
        ...(mode === 'onvif' ? { onvif: { url: `http://127.0.0.1:${c.onvifPort}/onvif/device_service` } } : {}),
      });
    }
    for (const id of ids) await stack.waitOnline(id);
    await stack.putScreen('bench', { name: 'bench', layout: '1', tiles: [{ cameraId: ids[0] }] });
    if (mode === 'onvif') await page.goto(`${stack.url}/wall/bench`);
    await waitLive(page, 0, ids[0], 30_000);
    await page.evaluate(() => {
      window.__bench.pixels = true;
      performance.setResourceTimingBufferSize(10_000);
      performance.clearResourceTimings();
    });
    const requestsBefore = await onvifRequests();
    const firstPicture = [];
    const firstLive = [];
    const stillFirst = [];
    let blackState = 0;
    let blackPixels = 0;
    let foreign = 0;
    let frames = 0;
    let failures = 0;
    let minLuma = 255;
    for (let n = 0; n < switches; n++) {
      const from = ids[n % 2];
      const to = ids[(n + 1) % 2];
      await takeSamples(page);
      const t0 = Date.now();
      await stack.putScreen('bench', { name: 'bench', layout: '1', tiles: [{ cameraId: to }] });
      try {
        await waitLive(page, 0, to);
      } catch {
        failures++;
      }
      await sampled(page);
      const samples = (await takeSamples(page)).filter((s) => s[0] >= t0 && s[1] === 0);
      const live = samples.find((s) => s[2] === to && s[3] === 'live');
      const picture = samples.find((s) => s[2] === to && (s[3] === 'live' || s[3] === 'still') && shows(s, to));
      if (picture) firstPicture.push(picture[0] - t0);
      if (picture) stillFirst.push(picture[4].startsWith('still:'));
      if (live) firstLive.push(live[0] - t0);
      for (const s of samples.filter((x) => !live || x[0] <= live[0])) {
        frames++;
        if (s[4] === 'none') blackState++;
        else if (!shows(s, from) && !shows(s, to)) foreign++;
        if (s[5] >= 0 && s[5] < 16) blackPixels++;
        if (s[5] >= 0) minLuma = Math.min(minLuma, s[5]);
      }
      // Let the switches land at different phases of the cameras' GOPs (the two cameras'
      // GOPs run nearly in step: a fixed pause would always meet the same phase).
      await new Promise((r) => setTimeout(r, 400 + Math.random() * (gop / FPS) * 1000));
    }
    // How long the tile's still (GET /api/cameras/:id/snapshot.jpg) took to arrive.
    const stillRequests = await page.evaluate(() => {
      window.__bench.pixels = false;
      return performance.getEntriesByType('resource').filter((e) => e.name.includes('/snapshot.jpg')).map((e) => Math.round(e.duration));
    });
    modes[mode] = {
      switches,
      firstPictureMs: stats(firstPicture),
      firstLiveMs: stats(firstLive),
      firstPictureWasStill: stillFirst.filter(Boolean).length,
      stillRequestMs: stats(stillRequests),
      framesSampled: frames,
      blackFramesState: blackState,
      blackFramesPixels: blackPixels,
      otherCameraFrames: foreign,
      minMeanLuma: minLuma,
      liveTimeouts: failures,
      setSynchronizationPointRequests: (await onvifRequests()) - requestsBefore,
      samples: { firstPicture, firstLive },
    };
    for (const id of ids) await stack.removeCamera(id);
  }
  await page.context().close();
  for (const c of onvifCams) c.stop();

  // ---- opening a 3x3 screen ------------------------------------------------------------
  gridCamera = await startCamera(['/g1', '/g2', '/g3']);
  const gridIds = Array.from({ length: 9 }, (_, i) => `grid-${i + 1}`);
  for (const [i, id] of gridIds.entries()) {
    await stack.addCamera({ id, name: id, url: `rtsp://127.0.0.1:${gridCamera.port}/g${(i % 3) + 1}`, pull: 'always' });
  }
  for (const id of gridIds) await stack.waitOnline(id);
  await stack.putScreen('grid', { name: 'grid', layout: '3x3', tiles: gridIds.map((cameraId) => ({ cameraId })) });
  const allPicture = [];
  const allLive = [];
  const tilePicture = [];
  const tileLive = [];
  for (let run = 0; run < gridRuns; run++) {
    const p = await stack.newPage(browser);
    await p.addInitScript(sampler);
    const t0 = Date.now();
    await p.goto(`${stack.url}/wall/grid`);
    await Promise.all(gridIds.map((id, i) => waitLive(p, i, id, 30_000)));
    await sampled(p);
    const samples = (await takeSamples(p)).filter((s) => s[0] >= t0);
    const pic = gridIds.map((id, i) => samples.find((s) => s[1] === i && shows(s, id))?.[0] - t0);
    const live = gridIds.map((id, i) => samples.find((s) => s[1] === i && s[3] === 'live')?.[0] - t0);
    allPicture.push(Math.max(...pic));
    allLive.push(Math.max(...live));
    tilePicture.push(...pic);
    tileLive.push(...live);
    await p.context().close();
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
  }
  grid = {
    runs: gridRuns,
    gopSeconds: 1,
    allNinePictureMs: stats(allPicture),
    allNineLiveMs: stats(allLive),
    perTilePictureMs: stats(tilePicture),
    perTileLiveMs: stats(tileLive),
    samples: { allNinePicture: allPicture, allNineLive: allLive },
  };
} finally {
  await browser.close();
  await stack.stop();
  for (const c of onvifCams) c.stop();
  gridCamera?.stop();
}

const row = (m) => ({
  'first picture p50': m.firstPictureMs.p50,
  'first picture p95': m.firstPictureMs.p95,
  'first live p50': m.firstLiveMs.p50,
  'first live p95': m.firstLiveMs.p95,
  'black frames (state)': m.blackFramesState,
  'black frames (pixels)': m.blackFramesPixels,
  'frames sampled': m.framesSampled,
  'ONVIF requests': m.setSynchronizationPointRequests,
  timeouts: m.liveTimeouts,
});
say(`switching one tile between two ${gop / FPS} s-GOP cameras, ${switches} switches per mode (ms from PUT /api/screens)`);
if (!values.json) console.table({ 'ONVIF keyframe requests': row(modes.onvif), 'no ONVIF (camera GOP)': row(modes.plain) });
say(`first picture was the new camera's still: ${modes.onvif.firstPictureWasStill}/${switches} (ONVIF), ${modes.plain.firstPictureWasStill}/${switches} (no ONVIF)`);
say(`the still's request (snapshot.jpg) p50/p95: ${modes.onvif.stillRequestMs.p50}/${modes.onvif.stillRequestMs.p95} ms (ONVIF), ${modes.plain.stillRequestMs.p50}/${modes.plain.stillRequestMs.p95} ms (no ONVIF)`);
say(`opening a 3x3 screen (nine 1 s-GOP cameras, ${gridRuns} page loads; ms from navigation)`);
if (!values.json) console.table({
  'all nine: first picture': grid.allNinePictureMs,
  'all nine: live': grid.allNineLiveMs,
  'per tile: first picture': grid.perTilePictureMs,
  'per tile: live': grid.perTileLiveMs,
});
console.log(JSON.stringify({ bench: 'switch', gopSeconds: gop / FPS, switches, modes, grid }));
