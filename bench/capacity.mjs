#!/usr/bin/env node
// Gateway CPU per camera: N passthrough pulls of a 2 Mbit/s 720p H.264 camera and M
// re-encoded pulls of an H.265 camera, CPU time read from /proc over a window (CPU time, not
// wall time, so the simulated camera's own encoder on the same cores does not count).
//   node bench/capacity.mjs [--copies 8] [--transcodes 2] [--seconds 20]
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: { copies: { type: 'string', default: '8' }, transcodes: { type: 'string', default: '2' }, seconds: { type: 'string', default: '20' } },
});
const copies = Number(values.copies);
const transcodes = Number(values.transcodes);
const seconds = Number(values.seconds);
const TICK = 100; // USER_HZ on Linux

function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
  } catch {
    return 0;
  }
}

// One shared encoder per mount, however many pulls (GStreamer factory is shared).
const camera = await startCamera(['/p=h264', '/t=h265'], ['--size', '1280x720', '--bitrate', '2000', '--pattern', 'snow']);
const stack = await startStack();
const rows = [];
try {
  const ids = [];
  for (let i = 0; i < copies; i++) ids.push({ id: `copy-${i}`, mount: 'p' });
  for (let i = 0; i < transcodes; i++) ids.push({ id: `tx-${i}`, mount: 't' });
  for (const c of ids) await stack.addCamera({ id: c.id, name: c.id, url: `rtsp://127.0.0.1:${camera.port}/${c.mount}`, pull: 'always' });
  for (const c of ids) await stack.waitOnline(c.id, 60_000);
  await new Promise((r) => setTimeout(r, 3000)); // settle
  const pids = new Map(ids.map((c) => [c.id, stack.gateway.pulls.get(c.id).pid]));
  const workers = stack.sfu.pool.workerPids;
  const before = new Map([...pids].map(([id, pid]) => [id, cpuSeconds(pid)]));
  const workersBefore = workers.reduce((s, p) => s + cpuSeconds(p), 0);
  const nodeBefore = process.cpuUsage();
  const stats0 = new Map();
  for (const c of ids) stats0.set(c.id, (await stack.sfu.feeds.producerOf(c.id).producer.getStats()).reduce((s, x) => s + x.byteCount, 0));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const pct = (cpu) => Math.round((cpu / seconds) * 1000) / 10;
  for (const kind of ['copy', 'tx']) {
    const mine = ids.filter((c) => c.id.startsWith(kind));
    if (!mine.length) continue;
    const perCam = mine.map((c) => pct(cpuSeconds(pids.get(c.id)) - before.get(c.id)));
    let kbps = 0;
    for (const c of mine) {
      const bytes = (await stack.sfu.feeds.producerOf(c.id).producer.getStats()).reduce((s, x) => s + x.byteCount, 0);
      kbps += ((bytes - stats0.get(c.id)) * 8) / seconds / 1000 / mine.length;
    }
    perCam.sort((a, b) => a - b);
    rows.push({ pull: kind === 'copy' ? 'passthrough (H.264 copy)' : 're-encode (H.265 -> H.264)', cameras: mine.length, medianCpuPctOfCore: perCam[perCam.length >> 1], maxCpuPct: perCam.at(-1), kbpsIn: Math.round(kbps) });
  }
  const workerPct = pct(workers.reduce((s, p) => s + cpuSeconds(p), 0) - workersBefore);
  const node = process.cpuUsage(nodeBefore);
  const nodePct = pct((node.user + node.system) / 1e6);
  console.table(rows);
  console.log(`mediasoup workers (ingest only, no viewers): ${workerPct}% of a core for ${ids.length} cameras`);
  console.log(`node (SFU + gateway control, in one process here): ${nodePct}% of a core`);
  const copy = rows.find((r) => r.pull.startsWith('passthrough'));
  if (copy) {
    const perCamera = copy.medianCpuPctOfCore + workerPct / ids.length + nodePct / ids.length;
    console.log(`=> one ${os.cpus().length}-core machine at 80% carries about ${Math.floor((os.cpus().length * 100 * 0.8) / perCamera)} passthrough cameras (${perCamera.toFixed(2)}% each, gateway + ingest)`);
  }
} finally {
  await stack.stop();
  camera.stop();
}
