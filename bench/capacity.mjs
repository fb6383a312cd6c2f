#!/usr/bin/env node
// Cameras per machine: N passthrough cameras (and M re-encoded H.265 ones) pulled by a
// gateway process of their own into the SFU, then V plain-RTP viewers per camera. CPU time
// (utime+stime from /proc over a window, not wall time) by part:
//   gateway  the gateway process and its children (ffmpeg), i.e. the relay or ffmpeg pulls
//   ingest   the mediasoup workers and the SFU's Node process while only cameras flow in
//   viewer   what the workers add per consumer (each camera forwarded to V plain transports)
//   camera   the simulated cameras (GStreamer, one encoder per mount, and bench/rtsp-fanout.mjs
//            serving each mount to every camera entry that pulls it), for information
//   flock /tmp/county-bench.lock node bench/capacity.mjs [--cameras 300] [--kbps 1000]
//     [--size 640x360] [--mounts 4] [--transcodes 0] [--viewers 1] [--seconds 20]
//     [--passthrough relay|ffmpeg] [--gateway-prof DIR] [--json]
// Prints the figures and, last, one JSON line (only that line with --json).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_TOKEN, root, startCamera, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '300' },
    kbps: { type: 'string', default: '1000' },
    size: { type: 'string', default: '640x360' },
    mounts: { type: 'string', default: '4' },
    transcodes: { type: 'string', default: '0' },
    viewers: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '20' },
    passthrough: { type: 'string', default: 'relay' },
    // A V8 CPU profile of the gateway process (where a relay's time goes), written into this folder.
    'gateway-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const cameras = Number(values.cameras);
const transcodes = Number(values.transcodes);
const mounts = Math.max(1, Math.min(Number(values.mounts), cameras || 1));
const viewers = Number(values.viewers);
const seconds = Number(values.seconds);
const cores = os.cpus().length;
const say = values.json ? () => undefined : console.log;
const TICK = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
  } catch {
    return 0;
  }
}

/** pid and every living descendant. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(c));
      } catch {
        // gone
      }
    }
  }
  return out;
}

/** CPU seconds of each pid (children that end inside a window are not counted: none should). */
const snapshot = (pids) => new Map(pids.map((p) => [p, cpuSeconds(p)]));
// A process that ended inside the window (a probe) reads 0 afterwards: counted as nothing.
const spent = (before, pids) => pids.reduce((s, p) => s + Math.max(0, cpuSeconds(p) - (before.get(p) ?? cpuSeconds(p))), 0);
const pct = (cpu) => Math.round((cpu / seconds) * 1000) / 10;

// One shared encoder per mount however many cameras pull it (GStreamer's shared factory).
const mountArgs = [];
for (let i = 0; i < mounts; i++) mountArgs.push(`/p${i}=h264`);
if (transcodes) mountArgs.push('/t=h265');
const camera = await startCamera(mountArgs, ['--size', values.size, '--bitrate', values.kbps, '--cbr', '--pattern', 'snow']);
// The cameras: each mount's one session fanned out to every camera pulling it (bench/rtsp-fanout.mjs).
const fanout = spawn(process.execPath, [path.join(root, 'bench/rtsp-fanout.mjs'), '--upstream', `rtsp://127.0.0.1:${camera.port}`, ...mountArgs.flatMap((m) => ['--mount', m.split('=')[0]])], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const fanoutPort = await new Promise((resolve, reject) => {
  fanout.once('exit', (c) => reject(new Error(`rtsp-fanout exited ${c}`)));
  fanout.stdout.on('data', (d) => {
    const m = /READY (\d+)/.exec(String(d));
    if (m) resolve(Number(m[1]));
  });
});
const stack = await startStack({ MAX_CAMERAS: String(Math.max(1000, cameras + transcodes)) }, { gateway: false });

// The gateway as its own process, as deployed, so its CPU is its own.
const gatewayLog = [];
const profArgs = values['gateway-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['gateway-prof'])] : [];
const gateway = spawn(process.execPath, [...profArgs, path.join(root, 'camera-gateway/dist/main.js')], {
  env: { ...process.env, SFU_URL: stack.url, GATEWAY_TOKEN, GATEWAY_ID: 'bench-capacity', GATEWAY_PASSTHROUGH: values.passthrough, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
for (const s of [gateway.stdout, gateway.stderr]) {
  s.setEncoding('utf8');
  s.on('data', (d) => {
    gatewayLog.push(...d.split('\n').filter(Boolean));
    gatewayLog.splice(0, Math.max(0, gatewayLog.length - 20));
  });
}
// A health write still in flight when the stack stops must not end the run before its JSON line.
process.on('unhandledRejection', (err) => console.error(`(while stopping) ${err?.message ?? err}`));
const sinks = [];
let result;
try {
  const ids = [];
  for (let i = 0; i < cameras; i++) ids.push({ id: `copy-${i}`, mount: `p${i % mounts}` });
  for (let i = 0; i < transcodes; i++) ids.push({ id: `tx-${i}`, mount: 't' });
  const t0 = Date.now();
  for (const c of ids) await stack.addCamera({ id: c.id, name: c.id, url: `rtsp://127.0.0.1:${fanoutPort}/${c.mount}`, pull: 'always' });
  // All cameras at once: the gateway probes a few at a time, so allow time per camera.
  const deadline = Date.now() + 60_000 + 500 * ids.length;
  let online = 0;
  for (;;) {
    const list = await (await stack.fetch('/api/cameras')).json();
    online = list.filter((c) => c.status === 'online').length;
    if (online === ids.length || Date.now() > deadline) break;
    await sleep(1000);
  }
  const allOnlineS = Math.round((Date.now() - t0) / 100) / 10;
  say(`${online}/${ids.length} cameras online after ${allOnlineS} s`);
  if (online < ids.length) {
    const list = await (await stack.fetch('/api/cameras')).json();
    const notOnline = list.filter((c) => c.status !== 'online').slice(0, 5).map((c) => `${c.id}: ${c.status} ${c.statusReason ?? ''}`);
    console.error(`not online: ${notOnline.join('; ')}\ngateway log tail:\n${gatewayLog.slice(-5).join('\n')}`);
  }
  await sleep(5000); // settle
  const live = ids.filter((c) => {
    try {
      stack.sfu.feeds.producerOf(c.id);
      return true;
    } catch {
      return false;
    }
  });
  const bytes = async () => {
    const m = new Map();
    for (const c of live) {
      try {
        m.set(c.id, (await stack.sfu.feeds.producerOf(c.id).producer.getStats()).reduce((s, x) => s + x.byteCount, 0));
      } catch {
        m.set(c.id, Number.NaN); // went offline: left out
      }
    }
    return m;
  };
  const workers = stack.sfu.pool.workerPids;

  /** One window: CPU by part, and bytes in per camera. */
  const measure = async () => {
    const gwPids = tree(gateway.pid);
    const bytes0 = await bytes();
    const gw0 = snapshot(gwPids);
    const wk0 = snapshot(workers);
    const cam0 = snapshot([...tree(camera.pid), fanout.pid]);
    const node0 = process.cpuUsage();
    await sleep(seconds * 1000);
    const node = process.cpuUsage(node0);
    const out = {
      gatewayPct: pct(spent(gw0, gwPids)),
      // The gateway's own process: the relay of every passthrough camera, and the control.
      gatewayRelayPct: pct(spent(gw0, [gateway.pid])),
      gatewayChildren: gwPids.slice(1).map((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, 1).join(' ').split('/').at(-1);
        } catch {
          return 'gone';
        }
      }),
      workersPct: pct(spent(wk0, workers)),
      sfuNodePct: pct((node.user + node.system) / 1e6),
      cameraPct: pct(spent(cam0, [...cam0.keys()])),
    };
    const bytes1 = await bytes();
    const kbps = (id) => ((bytes1.get(id) - bytes0.get(id)) * 8) / seconds / 1000;
    // A camera restarted inside the window has a new producer (bytes from 0): left out.
    const copies = live.filter((c) => c.id.startsWith('copy-') && Number.isFinite(kbps(c.id)) && kbps(c.id) >= 0);
    out.kbpsPerCamera = Math.round(copies.reduce((s, c) => s + kbps(c.id), 0) / Math.max(1, copies.length));
    return out;
  };

  const ingest = await measure();
  say(`cameras only: gateway ${ingest.gatewayPct} %, workers ${ingest.workersPct} %, SFU node ${ingest.sfuNodePct} %, camera ${ingest.cameraPct} % of a core; ${ingest.kbpsPerCamera} kbit/s per camera`);

  // Viewers: each camera consumed by `viewers` plain transports sending to a socket nobody reads.
  let viewer;
  if (viewers > 0 && live.length) {
    const sink = spawn('/usr/bin/python3', ['-c', 'import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("127.0.0.1",0))\nprint(s.getsockname()[1],flush=True)\ntime.sleep(1e9)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    sinks.push(sink);
    const sinkPort = await new Promise((resolve) => sink.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    let consumers = 0;
    for (const c of live) {
      let feed;
      try {
        feed = stack.sfu.feeds.producerOf(c.id);
      } catch {
        continue;
      }
      const { producer, router } = feed;
      for (let v = 0; v < viewers; v++) {
        const t = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
        await t.connect({ ip: '127.0.0.1', port: sinkPort });
        await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
        consumers++;
      }
    }
    await sleep(3000);
    const m = await measure();
    viewer = {
      consumers,
      workersPct: m.workersPct,
      perConsumerPct: Math.round(((m.workersPct - ingest.workersPct) / consumers) * 1000) / 1000,
    };
    say(`with ${consumers} consumers: workers ${m.workersPct} % (${viewer.perConsumerPct} % of a core per consumer)`);
  }

  const copiesLive = live.filter((c) => c.id.startsWith('copy-')).length;
  // Per passthrough camera: the relay's process (no ffmpeg for these), or with ffmpeg's copy
  // the whole gateway (run that with --transcodes 0), over their number.
  const perCamera = (values.passthrough === 'relay' ? ingest.gatewayRelayPct : ingest.gatewayPct) / Math.max(1, copiesLive);
  // Cameras the gateway chose to re-encode (with --transcodes 0 there should be none).
  const transcoding = (await (await stack.fetch('/api/cameras')).json()).filter((c) => c.health?.transcoding).map((c) => c.id);
  const ingestPct = ingest.gatewayPct + ingest.workersPct + ingest.sfuNodePct;
  result = {
    bench: 'capacity', passthrough: values.passthrough, cameras, transcodes, online, allOnlineS,
    kbpsPerCamera: ingest.kbpsPerCamera, size: values.size, mounts, seconds, cores, loadAvg1m: Math.round(os.loadavg()[0] * 100) / 100,
    gateway: { pct: ingest.gatewayPct, processPct: ingest.gatewayRelayPct, ffmpegPct: Math.round((ingest.gatewayPct - ingest.gatewayRelayPct) * 10) / 10, perCameraPct: Math.round(perCamera * 1000) / 1000, per2MbitCameraPct: Math.round(((perCamera * 2000) / Math.max(1, ingest.kbpsPerCamera)) * 1000) / 1000, children: ingest.gatewayChildren, transcoding },
    ingest: { workersPct: ingest.workersPct, sfuNodePct: ingest.sfuNodePct, totalWithGatewayPct: Math.round(ingestPct * 10) / 10, shareOfMachine: Math.round((ingestPct / (cores * 100)) * 1000) / 1000 },
    viewer,
    cameraPct: ingest.cameraPct,
  };
  say(`=> gateway ${result.gateway.perCameraPct} % of a core per passthrough camera (${result.gateway.per2MbitCameraPct} % per 2 Mbit/s camera); gateway + ingest ${result.ingest.totalWithGatewayPct} % = ${Math.round(result.ingest.shareOfMachine * 1000) / 10} % of this ${cores}-core machine`);
} finally {
  for (const s of sinks) s.kill('SIGKILL');
  fanout.kill('SIGTERM');
  gateway.kill('SIGTERM');
  await new Promise((r) => (gateway.exitCode !== null ? r() : gateway.once('exit', r)));
  await stack.stop();
  camera.stop();
}
console.log(JSON.stringify(result ?? { bench: 'capacity', error: 'did not finish' }));
