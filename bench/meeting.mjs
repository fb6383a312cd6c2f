#!/usr/bin/env node
// Meetings in Chromium on loopback (fake camera and microphone, real SFU):
//  1. join -> first remote frame: a new participant opens /meetings/<id> and the first frame of
//     the participant already there renders (ms from navigation start), p50/p95 over --runs joins;
//  2. one meeting with N participants (each a Chromium page sending simulcast video + audio):
//     SFU worker CPU and what the SFU sends per participant, when every viewer takes the top
//     layer (?quality=high, as without simulcast), with layers by tile size (simulcast), and
//     with every tab hidden (no video on screen: nothing but sound is sent).
//   node bench/meeting.mjs [--runs 20] [--sizes 2,4,6] [--window 10] [--json]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, chromium, median, percentile, startStack } from './support.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    sizes: { type: 'string', default: '2,4,6' },
    window: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const windowS = Number(values.window);
const ARGS = [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const stack = await startStack({ MEETING_GRACE_S: '1' }, { gateway: false });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });

async function meeting(title) {
  const r = await stack.fetch('/api/meetings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
  if (r.status !== 201) throw new Error(`meeting: ${r.status}`);
  return (await r.json()).id;
}

const participants = (id) => stack.sfu.meetings.live(id)?.state().participants ?? [];

async function open(id, query = '') {
  const page = await stack.newPage(browser);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${stack.url}/meetings/${id}${query}`);
  return page;
}

/** `page` shows `count` remote cameras, each with at least `n` frames decoded. */
async function allDecoding(page, count, n = 10) {
  await page.waitForFunction(
    ({ count, n }) => {
      const tiles = [...document.querySelectorAll('.meeting-tile[data-source="camera"][data-peer-id]')];
      return tiles.length >= count && tiles.every((t) => Number(t.getAttribute('data-frames-decoded')) >= n);
    },
    { count, n },
    { timeout: 60_000, polling: 250 },
  );
}

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

/** SFU worker CPU (% of one core) and bytes the SFU sent to each participant over the window. */
async function measure(id) {
  const room = stack.sfu.meetings.live(id);
  const wall = stack.sfu.rooms.get(`meeting:${id}`);
  const peers = participants(id).map((p) => wall.peer(room.socketOf(p.peerId)));
  const pids = stack.sfu.pool.workerPids;
  const sentBefore = await Promise.all(peers.map((p) => p.bytes()));
  const ticksBefore = pids.reduce((a, pid) => a + cpuTicks(pid), 0);
  const t0 = Date.now();
  await sleep(windowS * 1000);
  const sentAfter = await Promise.all(peers.map((p) => p.bytes()));
  const ticksAfter = pids.reduce((a, pid) => a + cpuTicks(pid), 0);
  const seconds = (Date.now() - t0) / 1000;
  const kbps = sentAfter.map((b, i) => ((b.sent - sentBefore[i].sent) * 8) / 1000 / seconds);
  // What each participant sends: Chromium drops simulcast layers when its machine runs out of CPU.
  const recv = sentAfter.map((b, i) => ((b.received - sentBefore[i].received) * 8) / 1000 / seconds);
  return {
    workerCpuPct: Math.round(((ticksAfter - ticksBefore) / 100 / seconds) * 1000) / 10,
    sendKbpsPerParticipant: Math.round(median(kbps)),
    recvKbpsPerParticipant: Math.round(median(recv)),
  };
}

const results = { join: undefined, sizes: [] };
try {
  // 1. Join -> first remote frame.
  {
    const id = await meeting('加入速度');
    const anchor = await open(id);
    await anchor.waitForSelector('.meeting[data-connection="live"]');
    const anchorPeer = participants(id)[0].peerId;
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const page = await open(id);
      const h = await page.waitForFunction(
        (p) => document.querySelector(`.meeting-tile[data-peer-id="${p}"]`)?.getAttribute('data-first-frame-ms'),
        anchorPeer,
        { timeout: 30_000, polling: 20 },
      );
      samples.push(Number(await h.jsonValue()));
      await page.context().close();
      await sleep(300);
    }
    await anchor.context().close();
    results.join = { runs, p50Ms: median(samples), p95Ms: percentile(samples, 95), minMs: Math.min(...samples), maxMs: Math.max(...samples) };
    console.log('join -> first remote frame (ms from navigation start):', results.join);
  }

  // 2. N participants: top layer for everyone, simulcast by tile size, hidden tabs.
  for (const n of sizes) {
    const row = { participants: n };
    for (const mode of ['high', 'auto', 'hidden']) {
      const id = await meeting(`${n} 方会议 ${mode}`);
      const pages = [];
      for (let i = 0; i < n; i++) pages.push(await open(id, mode === 'high' ? '?quality=high' : ''));
      for (const page of pages) await allDecoding(page, n - 1);
      if (mode === 'hidden') {
        for (const page of pages) {
          await page.evaluate(() => {
            Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
            document.dispatchEvent(new Event('visibilitychange'));
          });
        }
      }
      await sleep(3000); // layers and pauses settle
      row[mode] = await measure(id);
      for (const page of pages) await page.context().close();
      await sleep(1500);
    }
    row.simulcastSaves = `${Math.round((1 - row.auto.sendKbpsPerParticipant / row.high.sendKbpsPerParticipant) * 100)}%`;
    row.hiddenSaves = `${Math.round((1 - row.hidden.sendKbpsPerParticipant / row.auto.sendKbpsPerParticipant) * 100)}%`;
    results.sizes.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await browser.close();
  await stack.stop();
}

console.log('\nper participant: kbit/s the SFU sends it; SFU worker CPU in % of one core');
console.table(
  results.sizes.map((r) => ({
    participants: r.participants,
    'sent by each (high)': r.high.recvKbpsPerParticipant,
    'high kbps': r.high.sendKbpsPerParticipant,
    'simulcast kbps': r.auto.sendKbpsPerParticipant,
    'hidden kbps': r.hidden.sendKbpsPerParticipant,
    'high cpu%': r.high.workerCpuPct,
    'simulcast cpu%': r.auto.workerCpuPct,
    'hidden cpu%': r.hidden.workerCpuPct,
    'simulcast saves': r.simulcastSaves,
    'hidden saves': r.hiddenSaves,
  })),
);
if (values.json) console.log(JSON.stringify(results));
