#!/usr/bin/env node
// Fan-out: one 1 Mbit/s H.264 camera to N headless viewers, through the project (sim camera ->
// gateway -> mediasoup, viewers on the project's own socket.io signalling and consumers) and
// through Janus 1.1 VideoRoom (the producer's own packets relayed into a remote publisher,
// viewers as VideoRoom subscribers), one SFU after the other in one run, on one ingest.
// Viewers: bench/lib/viewers.mjs (werift, counting RTP without decrypting). Janus: bench/lib/janus.mjs.
// Per step: SFU CPU (mediasoup workers / the janus process, /proc/<pid>/stat over the window)
// per forwarded stream, and loss from the viewers' sequence numbers.
//   flock /tmp/county-bench.lock node bench/fanout.mjs [--steps 50,100,150,200,250,300,400,500]
//     [--seconds 10] [--caps browser|nocc|wall] [--workers 2] [--only project|janus] [--perf-at N]
//     [--sfu-env CAMERA_VIEWER_BWE=off] [--json]
import { execFile, fork } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { JANUS_VIEWER_IP, JanusSession, janusInstalled, startJanus } from './lib/janus.mjs';
import { root, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '50,100,150,200,250,300,400,500' },
    seconds: { type: 'string', default: '10' },
    caps: { type: 'string', default: 'browser' },
    workers: { type: 'string' },
    only: { type: 'string' },
    'janus-event-loops': { type: 'string' },
    'perf-at': { type: 'string' },
    'sfu-env': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const steps = values.steps.split(',').map(Number);
const seconds = Number(values.seconds);
const say = values.json ? () => {} : (...a) => console.log(...a);
const TICK = 100; // USER_HZ
const LOSS_LIMIT = 0.01;
// A VideoRoom remote publisher tells its streams apart by SSRC: 1000 + 10 x mindex (+ the
// simulcast substream), what `publish_remotely` on another Janus sends.
const JANUS_REMOTE_SSRC = 1000;

const cpuSeconds = (pid) => {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
};
/** Datagrams the kernel dropped for full receive buffers, machine-wide (/proc/net/snmp). */
const udpRcvbufErrors = () => {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [head, vals] = lines.map((l) => l.split(/\s+/));
  return Number(vals[head.indexOf('RcvbufErrors')]);
};

/** Busy share of the whole machine (all cores) from /proc/stat. */
const machineTicks = () => {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { idle, total: f.reduce((a, b) => a + b, 0) };
};

/**
 * `perf record` of the SFU's processes for `seconds` (cpu-clock: works in a VM), then the top
 * symbols by self time, to stderr. Asynchronous: the SFU and the gateway live in this process.
 */
async function profile(label, n, pids) {
  const out = path.join(os.tmpdir(), `fanout-${label}-${n}.perf.data`);
  const run = promisify(execFile);
  try {
    await run('perf', ['record', '-e', 'cpu-clock', '-o', out, '-p', pids.join(','), '--', 'sleep', String(seconds)]);
    const { stdout } = await run('perf', ['report', '-i', out, '--no-children', '--sort', 'dso,symbol', '--stdio', '--percent-limit', '0.8'], { maxBuffer: 1 << 24 });
    const top = stdout.split('\n').filter((l) => l && !l.startsWith('#')).slice(0, 40).map((l) => l.trimEnd().replace(/\s+-\s+-\s*$/, ''));
    process.stderr.write(`---- perf ${label} at ${n} viewers (${out}) ----\n${top.join('\n')}\n`);
  } catch (e) {
    process.stderr.write(`perf failed: ${e.message}\n`);
  }
}

/** The viewers' process (bench/lib/viewers.mjs) and a request/answer over IPC. */
async function startViewers(env = {}) {
  const child = fork(path.join(root, 'bench/lib/viewers.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  let n = 0;
  const pending = new Map();
  await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`viewers exited ${c}`)));
    child.on('message', (m) => {
      if (m.ready) return resolve();
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
  });
  return {
    pid: child.pid,
    ask: (msg) => new Promise((resolve, reject) => {
      const id = ++n;
      pending.set(id, { resolve, reject });
      child.send({ ...msg, id });
    }),
    stop: () => child.kill('SIGTERM'),
  };
}

/**
 * Adds viewers up to each step and measures a steady window. `add(k)` adds k viewers;
 * `sfuPids()` the SFU's media processes. Stops after the first step with loss >= 1 %.
 */
async function rampUp(label, viewers, add, sfuPids, extraCpu = () => 0, ingestStats = async () => ({ packets: 0, lost: 0 })) {
  const rows = [];
  let have = 0;
  for (const n of steps) {
    const t0 = Date.now();
    try {
      await add(n - have);
    } catch (e) {
      say(`${label}: adding viewers up to ${n} failed: ${e.message.split('\n')[0]}`);
      rows.push({ sfu: label, viewers: n, error: e.message.split('\n')[0] });
      break;
    }
    have = n;
    const setupS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // settle: first keyframes, joins done
    const pids = sfuPids();
    const s0 = await viewers.ask({ op: 'snapshot' });
    const c0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    const v0 = cpuSeconds(viewers.pid);
    const x0 = extraCpu();
    const m0 = machineTicks();
    const d0 = udpRcvbufErrors();
    const i0 = await ingestStats();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const s1 = await viewers.ask({ op: 'snapshot' });
    const wall = (Date.now() - w0) / 1000;
    const c1 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    const m1 = machineTicks();
    const i1 = await ingestStats();
    const kernelDrops = udpRcvbufErrors() - d0;
    let received = 0;
    let expected = 0;
    let bytes = 0;
    let silent = 0;
    const lossPer = [];
    for (let i = 0; i < s1.length; i++) {
      const a = s0[i] ?? { received: 0, highest: s1[i].highest, bytes: 0 };
      const got = s1[i].received - a.received;
      const exp = Math.max(got, s1[i].highest - a.highest);
      received += got;
      expected += exp;
      bytes += s1[i].bytes - a.bytes;
      if (got === 0) silent++;
      lossPer.push(exp ? 1 - got / exp : 1);
    }
    lossPer.sort((a, b) => a - b);
    const sfuPct = ((c1 - c0) / wall) * 100;
    const row = {
      sfu: label,
      viewers: n,
      sfuCpuPct: +sfuPct.toFixed(1),
      cpuPerStreamPct: +(sfuPct / n).toFixed(4),
      streamsPerCore: Math.round(n / (sfuPct / 100)),
      lossPct: +(expected ? (100 * (expected - received)) / expected : 100).toFixed(3),
      worstViewerLossPct: +(100 * lossPer.at(-1)).toFixed(2),
      silentViewers: silent,
      // Lost before the fan-out (camera -> SFU), which every viewer then misses too.
      ingestLossPct: +(i1.packets - i0.packets > 0 ? (100 * (i1.lost - i0.lost)) / (i1.packets - i0.packets + i1.lost - i0.lost) : 0).toFixed(3),
      kernelUdpDrops: kernelDrops,
      kbpsPerViewer: Math.round((bytes * 8) / wall / 1000 / n),
      pktsPerViewerPerS: Math.round(received / wall / n),
      viewersCpuPct: +(((cpuSeconds(viewers.pid) - v0) / wall) * 100).toFixed(1),
      otherCpuPct: +(((extraCpu() - x0) / wall) * 100).toFixed(1),
      machineBusyPct: +((100 * (1 - (m1.idle - m0.idle) / (m1.total - m0.total)))).toFixed(1),
      setupS: +setupS.toFixed(1),
    };
    rows.push(row);
    say(JSON.stringify(row));
    if (Number(values['perf-at']) === n) await profile(label, n, pids);
    if (row.lossPct >= LOSS_LIMIT * 100 || silent > 0) break;
    // The viewers' one process at a full core: loss beyond this would be the viewers'.
    if (row.viewersCpuPct > 90) {
      say(`${label}: the viewers' process is saturated at ${n} viewers`);
      break;
    }
  }
  return rows;
}

/**
 * Sends the camera's RTP as the project's producer has it to Janus's remote publisher: a plain
 * consumer on the producer's router to a local socket, SSRC and payload type rewritten to what
 * the remote publisher expects. Both SFUs so forward byte-identical packets.
 */
async function relayProducerTo(stack, cameraId, port) {
  const { producer, router } = stack.sfu.feeds.producerOf(cameraId);
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
  await transport.consume({ producerId: producer.id, rtpCapabilities: { codecs: router.rtpCapabilities.codecs, headerExtensions: [] } });
  socket.on('message', (m) => {
    if (m.length < 12 || (m[1] >= 192 && m[1] <= 223)) return; // RTCP stays here
    m.writeUInt32BE(JANUS_REMOTE_SSRC, 8);
    m[1] = (m[1] & 0x80) | 96;
    socket.send(m, port, '127.0.0.1');
  });
  return () => {
    transport.close();
    socket.close();
  };
}

const camera = await startCamera(['/fan=h264?size=640x360&bitrate=1000&pattern=snow']);
const cameraUrl = `rtsp://127.0.0.1:${camera.port}/fan`;
const results = {};
// One ingest for the whole run: sim camera -> gateway (ffmpeg, H.264 copied) -> mediasoup.
const sfuEnv = Object.fromEntries(values['sfu-env'].split(',').filter(Boolean).map((kv) => kv.split('=')));
const stack = await startStack({ ...(values.workers ? { MEDIASOUP_WORKERS: values.workers } : {}), ...sfuEnv });
try {
  await stack.addCamera({ id: 'fanout', name: 'fanout', url: cameraUrl, pull: 'always' });
  await stack.waitOnline('fanout', 60_000);
  const ingest = async () => {
    try {
      const [st] = await stack.sfu.feeds.producerOf('fanout').producer.getStats();
      return { packets: st?.packetCount ?? 0, lost: st?.packetsLost ?? 0 };
    } catch {
      return { packets: 0, lost: 0 };
    }
  };

  // ---- the project: viewers through socket.io signalling and mediasoup consumers ----
  if (values.only !== 'janus') {
    const viewers = await startViewers();
    try {
      const add = (k) => viewers.ask({ op: 'project', count: k, url: stack.url, token: stack.token, roomId: 'wall:fanout', cameraId: 'fanout', caps: values.caps });
      say(`project: ${stack.sfu.pool.workerPids.length} mediasoup worker(s), viewer capabilities "${values.caps}" ${values['sfu-env']}`);
      const node = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
      results.project = await rampUp('project', viewers, add, () => stack.sfu.pool.workerPids, node, ingest);
    } finally {
      await viewers.ask({ op: 'close' }).catch(() => {});
      viewers.stop();
    }
  }

  // ---- Janus VideoRoom: the same RTP into a remote publisher, viewers as subscribers ----
  if (values.only !== 'project') {
    if (!janusInstalled()) throw new Error('janus is not installed: apt-get install -y janus (or scripts/setup.sh)');
    const janus = await startJanus({ general: values['janus-event-loops'] ? [`event_loops = ${values['janus-event-loops']}`] : [] });
    const viewers = await startViewers({ VIEWER_IP: JANUS_VIEWER_IP });
    let stopRelay;
    const session = await JanusSession.create(janus.url);
    try {
      const h = await session.attach();
      const room = 4242;
      await session.request(h, { request: 'create', room, publishers: 1, videocodec: 'h264', h264_profile: '42e01f', bitrate: 0 });
      const pub = await session.request(h, {
        request: 'add_remote_publisher', room, id: 1, display: 'fanout', iface: '127.0.0.1',
        streams: [{ type: 'video', mindex: 0, mid: '0', codec: 'h264', 'h264-profile': '42e01f' }],
      });
      stopRelay = await relayProducerTo(stack, 'fanout', pub.port);
      await new Promise((r) => setTimeout(r, 2000));
      const add = (k) => viewers.ask({ op: 'janus', count: k, url: janus.url, room, feed: 1 });
      say(`janus ${janus.pid}: VideoRoom remote publisher on port ${pub.port}`);
      results.janus = await rampUp('janus', viewers, add, () => [janus.pid], () => 0, ingest);
    } finally {
      await viewers.ask({ op: 'close' }).catch(() => {});
      viewers.stop();
      stopRelay?.();
      await session.destroy();
      await janus.stop();
    }
  }
} finally {
  await stack.stop();
  camera.stop();
}

const ok = (rows) => (rows ?? []).filter((r) => !r.error && r.lossPct < LOSS_LIMIT * 100 && r.silentViewers === 0);
const maxOf = (rows) => Math.max(0, ...ok(rows).map((r) => r.viewers));
const pMax = maxOf(results.project);
const jMax = maxOf(results.janus);
// CPU per stream compared at the largest step both carried without loss.
const common = Math.min(pMax || Infinity, jMax || Infinity);
const at = (rows) => ok(rows).find((r) => r.viewers === common);
const p = at(results.project);
const j = at(results.janus);
if (!values.json) {
  console.table([...(results.project ?? []), ...(results.janus ?? [])].map(({ sfu, viewers, sfuCpuPct, cpuPerStreamPct, streamsPerCore, lossPct, worstViewerLossPct, kbpsPerViewer, viewersCpuPct, machineBusyPct }) => ({
    sfu, viewers, sfuCpuPct, cpuPerStreamPct, streamsPerCore, lossPct, worstViewerLossPct, kbpsPerViewer, viewersCpuPct, machineBusyPct,
  })));
  if (p && j) console.log(`at ${common} viewers: project ${p.cpuPerStreamPct} % of a core per stream, janus ${j.cpuPerStreamPct} % (ratio ${(p.cpuPerStreamPct / j.cpuPerStreamPct).toFixed(2)})`);
}
console.log(JSON.stringify({
  viewers: Number.isFinite(common) ? common : 0,
  projectCpuPerStreamPct: p?.cpuPerStreamPct ?? null,
  janusCpuPerStreamPct: j?.cpuPerStreamPct ?? null,
  projectMaxViewers: pMax,
  janusMaxViewers: jMax,
}));
