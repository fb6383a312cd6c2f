#!/usr/bin/env node
// A 4x4 wall screen of 16 cameras in one Chromium page: decoded fps per tile and what it costs
// (the page's Chromium processes, the mediasoup workers, the in-process SFU + gateway).
// 16 camera entries on `--mounts` mounts of one sim camera (the RTSP server shares one encoder
// per mount however many pulls), main-stream-like: 1280x720 at 25 fps by default, 1 s GOP.
// One page on /wall/grid16 (layout 4x4); once all 16 tiles are live (and a short settle), for
// `--seconds`:
//   fps per tile:   data-frames-decoded (the tile's inbound-rtp framesDecoded, refreshed by
//                   the tile about once a second): its increase between the first and the last
//                   refresh seen in the window, over the time between them (a MutationObserver
//                   timestamps each refresh); and, as a cross-check, the front <video>'s
//                   getVideoPlaybackQuality() totalVideoFrames / droppedVideoFrames over the window;
//   CPU:            utime+stime from /proc/<pid>/stat of every descendant of this process,
//                   as % of one core: Chromium (browser, renderer, GPU, utility processes:
//                   "page"), the mediasoup workers, the gateway's ffmpeg pulls, the sim camera;
//                   and process.cpuUsage() of this process ("server (in-process)": SFU +
//                   gateway control + this script, which is idle while sampling).
// Prints a table and, last, one JSON line (only the JSON line with --json).
//   node bench/grid16.mjs [--seconds 15] [--size 1280x720] [--mounts 4] [--bitrate 2000] [--json]
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

const camera = await startCamera(
  Array.from({ length: mounts }, (_, m) => `/m${m + 1}?gop=${values.fps}&title=m${m + 1}`),
  ['--size', values.size, '--fps', values.fps, '--bitrate', values.bitrate],
);
const stack = await startStack();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
let result;
let rows;
let cpuRows;
try {
  const ids = Array.from({ length: TILES }, (_, i) => `g16-${i + 1}`);
  // One pull per mount first (its encoder starts), then the rest, which share the running media.
  for (const batch of [ids.slice(0, mounts), ids.slice(mounts)]) {
    for (const id of batch) {
      const i = ids.indexOf(id);
      await stack.addCamera({ id, name: id, url: `rtsp://127.0.0.1:${camera.port}/m${(i % mounts) + 1}`, pull: 'always' });
    }
    for (const id of batch) await stack.waitOnline(id, 60_000);
  }
  await stack.putScreen('grid16', { name: 'grid16', layout: '4x4', tiles: ids.map((cameraId) => ({ cameraId })) });
  const page = await stack.newPage(browser);
  await page.setViewportSize({ width: 1920, height: 1080 });
  const t0 = Date.now();
  await page.goto(`${stack.url}/wall/grid16`);
  await page.waitForFunction(
    (n) => [...document.querySelectorAll('.screen-tile[data-kind="camera"]')].filter((t) => t.getAttribute('data-state') === 'live').length >= n,
    TILES,
    { timeout: 90_000, polling: 100 },
  );
  const allLiveMs = Date.now() - t0;
  log(`all ${TILES} tiles live ${allLiveMs} ms after navigation; settling 3 s`);
  await new Promise((r) => setTimeout(r, 3000));

  // ---- the window --------------------------------------------------------------------
  const workerPids = stack.sfu.pool.workerPids;
  const pullPids = ids.map((id) => stack.gateway.pulls.get(id)?.pid).filter(Boolean);
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
  await new Promise((r) => setTimeout(r, seconds * 1000));
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
      const q = tile.querySelector('video.screen-tile__video--front')?.getVideoPlaybackQuality();
      const first = r[0];
      const last = r[r.length - 1];
      const fps = r.length >= 2 && last[0] > first[0] ? ((last[1] - first[1]) * 1000) / (last[0] - first[0]) : 0;
      return {
        tile: Number(i),
        camera: tile.getAttribute('data-camera-id'),
        state: tile.getAttribute('data-state'),
        refreshes: r.length,
        decodedFps: Math.round(fps * 10) / 10,
        videoFps: q ? Math.round(((q.totalVideoFrames - rec.q0[i][0]) / span) * 10) / 10 : 0,
        droppedFps: q ? Math.round(((q.droppedVideoFrames - rec.q0[i][1]) / span) * 10) / 10 : 0,
        size: tile.querySelector('video.screen-tile__video--front')?.videoWidth + 'x' + tile.querySelector('video.screen-tile__video--front')?.videoHeight,
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
  cpuRows = Object.fromEntries([...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { processes: v.processes, cpuPctOfCore: pct(v.cpu) }]));
  cpuRows['server (in-process: SFU + gateway control)'] = { processes: 1, cpuPctOfCore: pct((node.user + node.system) / 1e6) };
  const fps = tiles.map((t) => t.decodedFps);
  const videoFps = tiles.map((t) => t.videoFps);
  rows = tiles;
  result = {
    tiles: tiles.length,
    live: tiles.filter((t) => t.state === 'live').length,
    fpsMedian: median(fps),
    fpsMin: Math.min(...fps),
    fpsMax: Math.max(...fps),
    videoFpsMedian: median(videoFps),
    droppedFpsTotal: round1(tiles.reduce((s, t) => s + t.droppedFps, 0)),
    pageCpuPct: pct(sum((k) => k.startsWith('chromium'))),
    rendererCpuPct: pct(sum((k) => k === 'chromium renderer')),
    gpuCpuPct: pct(sum((k) => k === 'chromium gpu-process')),
    workerCpuPct: pct(sum((k) => k === 'mediasoup worker')),
    serverCpuPct: cpuRows['server (in-process: SFU + gateway control)'].cpuPctOfCore,
    gatewayFfmpegCpuPct: pct(sum((k) => k === 'gateway ffmpeg')),
    simCameraCpuPct: pct(sum((k) => k === 'sim camera')),
    resolution: values.size,
    cameraFps: Number(values.fps),
    bitrateKbps: Number(values.bitrate),
    mounts,
    seconds: round1(wall),
    allLiveMs,
    loadAverage1m: round1(load1),
    gatewayPulls: pullPids.length,
    workers: workerPids.length,
  };
} finally {
  await browser.close();
  await stack.stop();
  camera.stop();
}

if (!values.json) {
  console.log(`per tile (${result.seconds} s window; decodedFps from data-frames-decoded, videoFps/droppedFps from getVideoPlaybackQuality)`);
  console.table(rows);
  console.log(`16 tiles, ${values.size} @ ${values.fps} fps, ${mounts} encoders; CPU over the window, % of one core`);
  console.table({
    'decoded fps across tiles': { min: result.fpsMin, median: result.fpsMedian, max: result.fpsMax },
  });
  console.table(cpuRows);
  console.table({
    summary: {
      'fps min': result.fpsMin, 'fps median': result.fpsMedian, 'fps max': result.fpsMax,
      'page CPU %': result.pageCpuPct, 'mediasoup workers CPU %': result.workerCpuPct, 'server (in-process) CPU %': result.serverCpuPct,
    },
  });
}
console.log(JSON.stringify(result));
