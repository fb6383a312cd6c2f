#!/usr/bin/env node
// A 4x4 wall screen of 16 cameras in one Chromium page, once on the cameras' main streams and
// once on their sub streams: decoded fps per tile and what it costs (the page's Chromium
// processes, the mediasoup workers, the in-process SFU + gateway), and the ratio sub / main.
// 16 camera entries, each with a main and a sub stream (url + subUrl), on `--mounts` main mounts
// (1280x720, 2 Mbit/s by default) and as many sub mounts (640x360, 500 kbit/s) of one sim camera
// (the RTSP server shares one encoder per mount however many pulls), 25 fps, 1 s GOP, pulled
// on demand (ON_DEMAND_GRACE_S 3: the other run's streams stop before a window starts).
// One page per run on /wall/grid16?streams=main|sub (layout 4x4; the 4x4 tiles would pick the
// sub stream by themselves, `?streams=main` makes every tile play the main one); once all 16
// tiles play that stream live (and a short settle), for `--seconds`:
//   fps per tile:   data-frames-decoded (the tile's inbound-rtp framesDecoded, refreshed by
//                   the tile about once a second): its increase between the first and the last
//                   refresh seen in the window, over the time between them (a MutationObserver
//                   timestamps each refresh); and, as a cross-check, the front <video>'s
//                   getVideoPlaybackQuality() totalVideoFrames / droppedVideoFrames over the window;
//   page CPU per 100 decoded frames/s (over all tiles): what a frame costs, comparable when the
//                   busy machine lets one run decode fewer frames than the cameras send;
//   CPU:            utime+stime from /proc/<pid>/stat of every descendant of this process,
//                   as % of one core: Chromium (browser, renderer, GPU, utility processes:
//                   "page"), the mediasoup workers, the gateway's ffmpeg pulls, the sim camera;
//                   and process.cpuUsage() of this process ("server (in-process)": SFU +
//                   gateway control + this script, which is idle while sampling).
// Prints tables per run and, last, one JSON line {main, sub, ratio} (only the JSON line with --json).
//   node bench/grid16.mjs [--seconds 15] [--size 1280x720] [--bitrate 2000] [--sub-size 640x360]
//                         [--sub-bitrate 500] [--mounts 4] [--streams main,sub] [--settle 35] [--json]
// Needs the built dist folders (npm run build) and Debian's Chromium.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, median, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    size: { type: 'string', default: '1280x720' },
    mounts: { type: 'string', default: '4' },
    bitrate: { type: 'string', default: '2000' },
    'sub-size': { type: 'string', default: '640x360' },
    'sub-bitrate': { type: 'string', default: '500' },
    streams: { type: 'string', default: 'main,sub' },
    settle: { type: 'string', default: '35' },
    fps: { type: 'string', default: '25' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const mounts = Number(values.mounts);
const TILES = 16;
const TICK = 100; // USER_HZ on Linux
const log = (...a) => !values.json && console.log(...a);

/** All processes: pid -> {ppid, comm, cpu seconds}. */
function processes() {
  const out = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { ppid: Number(f[1]), comm, cpu: (Number(f[11]) + Number(f[12])) / TICK });
    } catch {
      // gone
    }
  }
  return out;
}

/** Descendants of this process, each with a kind (what it is) and its CPU seconds so far. */
function descendants(workerPids) {
  const all = processes();
  const mine = new Map();
  const isMine = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 64; p = all.get(p)?.ppid ?? 0, n++) if (all.get(p)?.ppid === process.pid) return true;
    return false;
  };
  for (const [pid, p] of all) {
    if (pid === process.pid || !isMine(pid)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    let kind = p.comm;
    if (workerPids.includes(pid) || p.comm.startsWith('mediasoup')) kind = 'mediasoup worker';
    else if (/chrom/i.test(cmd.split(' ')[0]) || /chrom/i.test(p.comm)) kind = `chromium ${/--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser'}`;
    else if (p.comm === 'ffmpeg') kind = 'gateway ffmpeg';
    else if (cmd.includes('rtsp_camera.py')) kind = 'sim camera';
    else if (p.comm.startsWith('redis')) kind = 'redis';
    mine.set(pid, { kind, cpu: p.cpu });
  }
  return mine;
}

const round1 = (x) => Math.round(x * 10) / 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const runs = values.streams.split(',').filter((r) => r === 'main' || r === 'sub');

const camera = await startCamera(
  Array.from({ length: mounts }, (_, m) => [
    `/m${m + 1}?gop=${values.fps}&title=m${m + 1}&size=${values.size}&bitrate=${values.bitrate}`,
    `/s${m + 1}?gop=${values.fps}&title=s${m + 1}&size=${values['sub-size']}&bitrate=${values['sub-bitrate']}`,
  ]).flat(),
  ['--fps', values.fps],
);
const stack = await startStack({ ON_DEMAND_GRACE_S: '3' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const ids = Array.from({ length: TILES }, (_, i) => `g16-${i + 1}`);

const cameras = async () => (await stack.fetch('/api/cameras')).json();
/** Until the `stream` of each camera in `only` (default: all) has `status`. */
async function waitStatus(stream, status, only = ids, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const all = (await cameras()).filter((c) => only.includes(c.id));
    if (all.every((c) => (stream === 'main' ? c.status : c.sub?.status) === status)) return;
    await sleep(300);
  }
  throw new Error(`${stream} streams not ${status} after ${ms} ms`);
}

/** One run: a fresh page on the 4x4 screen playing `stream` in every tile, measured for `seconds`. */
async function measure(stream) {
  await waitStatus(stream === 'main' ? 'sub' : 'main', 'idle');
  // One pull per mount first (its encoder starts), as when adding: 16 cold pulls of four idle
  // mounts at once made the sim camera answer "Invalid data" to every pull, for good.
  const firsts = ids.slice(0, mounts);
  const warm = firsts.map((id) => (stream === 'sub' ? `${id}~sub` : id));
  for (const feed of warm) await stack.sfu.demand.hold(feed, 'bench-warmup');
  await waitStatus(stream, 'online', firsts);
  const page = await stack.newPage(browser);
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    const t0 = Date.now();
    await page.goto(`${stack.url}/wall/grid16?streams=${stream}`);
    await page.waitForFunction(
      ({ n, stream }) =>
        [...document.querySelectorAll('.screen-tile[data-kind="camera"]')].filter(
          (t) => t.getAttribute('data-state') === 'live' && t.getAttribute('data-shown-stream') === stream,
        ).length >= n,
      { n: TILES, stream },
      { timeout: 120_000, polling: 100 },
    );
    const allLiveMs = Date.now() - t0;
    for (const feed of warm) stack.sfu.demand.release(feed, 'bench-warmup');
    // The settle outlasts the stills' live decodes (Snapshots: 30 s after the tiles' still
    // requests, for cameras whose keyframe was not cached yet), which would take CPU from the page.
    log(`${stream}: all ${TILES} tiles live ${allLiveMs} ms after navigation; settling ${values.settle} s`);
    await sleep(Number(values.settle) * 1000);

    // ---- the window --------------------------------------------------------------------
    const workerPids = stack.sfu.pool.workerPids;
    const pulls = stack.gateway.pulls.size;
    await page.evaluate(() => {
      const rec = (window.__grid = { refreshes: {}, q0: {}, t0: performance.now() });
      for (const tile of document.querySelectorAll('.screen-tile[data-kind="camera"]')) {
        const i = tile.getAttribute('data-tile-index');
        rec.refreshes[i] = [];
        const q = tile.querySelector('video.screen-tile__video--front')?.getVideoPlaybackQuality();
        rec.q0[i] = q ? [q.totalVideoFrames, q.droppedVideoFrames] : [0, 0];
      }
      rec.observer = new MutationObserver((muts) => {
        const t = performance.now();
        for (const m of muts) {
          const el = m.target;
          rec.refreshes[el.getAttribute('data-tile-index')]?.push([t, Number(el.getAttribute('data-frames-decoded'))]);
        }
      });
      rec.observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-frames-decoded'] });
    });
    const load1 = os.loadavg()[0];
    const before = descendants(workerPids);
    const node0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const wall = (performance.now() - w0) / 1000;
    const node = process.cpuUsage(node0);
    const after = descendants(workerPids);
    const tiles = await page.evaluate(() => {
      const rec = window.__grid;
      rec.observer.disconnect();
      const span = (performance.now() - rec.t0) / 1000;
      return [...document.querySelectorAll('.screen-tile[data-kind="camera"]')].map((tile) => {
        const i = tile.getAttribute('data-tile-index');
        const r = rec.refreshes[i] ?? [];
        const video = tile.querySelector('video.screen-tile__video--front');
        const q = video?.getVideoPlaybackQuality();
        const first = r[0];
        const last = r[r.length - 1];
        const fps = r.length >= 2 && last[0] > first[0] ? ((last[1] - first[1]) * 1000) / (last[0] - first[0]) : 0;
        return {
          tile: Number(i),
          camera: tile.getAttribute('data-camera-id'),
          stream: tile.getAttribute('data-shown-stream'),
          state: tile.getAttribute('data-state'),
          refreshes: r.length,
          decodedFps: Math.round(fps * 10) / 10,
          videoFps: q ? Math.round(((q.totalVideoFrames - rec.q0[i][0]) / span) * 10) / 10 : 0,
          droppedFps: q ? Math.round(((q.droppedVideoFrames - rec.q0[i][1]) / span) * 10) / 10 : 0,
          size: `${video?.videoWidth}x${video?.videoHeight}`,
        };
      });
    });

    // CPU by kind (processes alive at both ends of the window).
    const byKind = new Map();
    for (const [pid, a] of after) {
      const b = before.get(pid);
      if (!b) continue;
      const k = byKind.get(a.kind) ?? { processes: 0, cpu: 0 };
      k.processes++;
      k.cpu += a.cpu - b.cpu;
      byKind.set(a.kind, k);
    }
    const pct = (cpu) => round1((cpu / wall) * 100);
    const sum = (pred) => [...byKind].filter(([k]) => pred(k)).reduce((s, [, v]) => s + v.cpu, 0);
    const cpuRows = Object.fromEntries([...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { processes: v.processes, cpuPctOfCore: pct(v.cpu) }]));
    cpuRows['server (in-process: SFU + gateway control)'] = { processes: 1, cpuPctOfCore: pct((node.user + node.system) / 1e6) };
    const fps = tiles.map((t) => t.decodedFps);
    const videoFps = tiles.map((t) => t.videoFps);
    const result = {
      stream,
      size: tiles[0]?.size,
      tiles: tiles.length,
      live: tiles.filter((t) => t.state === 'live' && t.stream === stream).length,
      fpsMedian: median(fps),
      fpsMin: Math.min(...fps),
      fpsMax: Math.max(...fps),
      videoFpsMedian: median(videoFps),
      droppedFpsTotal: round1(tiles.reduce((s, t) => s + t.droppedFps, 0)),
      decodedFpsTotal: round1(fps.reduce((a, b) => a + b, 0)),
      pageCpuPct: pct(sum((k) => k.startsWith('chromium'))),
      rendererCpuPct: pct(sum((k) => k === 'chromium renderer')),
      gpuCpuPct: pct(sum((k) => k === 'chromium gpu-process')),
      workerCpuPct: pct(sum((k) => k === 'mediasoup worker')),
      serverCpuPct: cpuRows['server (in-process: SFU + gateway control)'].cpuPctOfCore,
      gatewayFfmpegCpuPct: pct(sum((k) => k === 'gateway ffmpeg')),
      simCameraCpuPct: pct(sum((k) => k === 'sim camera')),
      bitrateKbps: Number(stream === 'main' ? values.bitrate : values['sub-bitrate']),
      settleS: Number(values.settle),
      seconds: round1(wall),
      allLiveMs,
      loadAverage1m: round1(load1),
      gatewayPulls: pulls,
    };
    if (!values.json) {
      console.log(`${stream} streams: per tile (${result.seconds} s window; decodedFps from data-frames-decoded, videoFps/droppedFps from getVideoPlaybackQuality)`);
      console.table(tiles);
      console.table(cpuRows);
    }
    // What a decoded frame costs the page: % of a core per 100 frames/s decoded (all tiles).
    result.pageCpuPer100Fps = result.decodedFpsTotal ? round1((result.pageCpuPct / result.decodedFpsTotal) * 100) : null;
    return result;
  } finally {
    await page.context().close();
  }
}

const result = { cameraFps: Number(values.fps), mounts, workers: stack.sfu.pool.workerCount };
try {
  // One camera per mount first (its encoders start), then the rest, which share the running media.
  for (const batch of [ids.slice(0, mounts), ids.slice(mounts)]) {
    for (const id of batch) {
      const m = (ids.indexOf(id) % mounts) + 1;
      await stack.addCamera({ id, name: id, url: `rtsp://127.0.0.1:${camera.port}/m${m}`, subUrl: `rtsp://127.0.0.1:${camera.port}/s${m}` });
    }
    // Online, or idle again after it (on demand, a short grace): its stream works and its probe is cached.
    const deadline = Date.now() + 60_000;
    while (!(await cameras()).filter((c) => batch.includes(c.id)).every((c) => c.status === 'online' || c.status === 'idle')) {
      if (Date.now() > deadline) throw new Error('cameras never came online');
      await sleep(200);
    }
  }
  await stack.putScreen('grid16', { name: 'grid16', layout: '4x4', tiles: ids.map((cameraId) => ({ cameraId })) });
  for (const stream of runs) result[stream] = await measure(stream);
} finally {
  await browser.close();
  await stack.stop();
  camera.stop();
}

if (result.main && result.sub) {
  const ratio = (k) => (result.main[k] ? Math.round((result.sub[k] / result.main[k]) * 100) / 100 : null);
  result.ratio = {
    pageCpu: ratio('pageCpuPct'),
    pageCpuPer100Fps: ratio('pageCpuPer100Fps'),
    rendererCpu: ratio('rendererCpuPct'),
    fpsMedian: ratio('fpsMedian'),
    fpsMin: ratio('fpsMin'),
    workerCpu: ratio('workerCpuPct'),
  };
}
if (!values.json) {
  const row = (r) => r && {
    size: r.size, 'fps min': r.fpsMin, 'fps median': r.fpsMedian, 'fps max': r.fpsMax, 'dropped fps (all tiles)': r.droppedFpsTotal,
    'page CPU %': r.pageCpuPct, 'page CPU % per 100 fps': r.pageCpuPer100Fps, 'renderer %': r.rendererCpuPct, 'GPU process %': r.gpuCpuPct,
    'workers %': r.workerCpuPct, 'server %': r.serverCpuPct, 'load 1m': r.loadAverage1m,
  };
  console.log(`16 tiles (4x4, 1920x1080 page), ${values.fps} fps cameras, ${mounts} main + ${mounts} sub encoders; CPU % of one core`);
  console.table(Object.fromEntries(runs.map((r) => [r, row(result[r])])));
  if (result.ratio) console.table({ 'sub / main': result.ratio });
}
console.log(JSON.stringify(result));
