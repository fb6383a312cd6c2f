import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

/** Live recorder ffmpegs writing into `dir` (their output pattern names it). */
function recorders(dir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Recording on/off requests end in the state of the last one, whatever their timing against
// ffmpeg's start; a retention sweep over thousands of segments leaves the event loop free.
describe('recording on/off races', () => {
  let stack: Stack;
  let camera: SimCamera;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-rec-race-'));
    camera = await startSimCamera({ mounts: ['/race'] });
    stack = await startStack({ env: { RECORDINGS_DIR: dir } });
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'race', name: '录像', url: camera.url() })).status).toBe(201);
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'race')) === 'online', 45_000);
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const record = async () => ((await api(stack.baseUrl, 'GET', '/api/cameras/race')).json as CameraView).record;
  const camDir = () => path.join(dir, 'race');

  it('on -> off -> on -> off, "off" arriving while "on" still starts ffmpeg: nothing keeps recording', async () => {
    const recordings = stack.sfu.recordings;
    // Each toggle `gap` ms after the previous one, so "off" lands at every point of a start:
    // before the tap exists, while it is made, as ffmpeg spawns.
    for (let gap = 0; gap <= 30; gap += 2) {
      for (const sequence of [[true, false], [true, false, true, false]]) {
        const calls: Promise<void>[] = [];
        for (const enabled of sequence) {
          calls.push(recordings.setEnabled('race', enabled));
          if (gap) await sleep(gap);
        }
        await Promise.allSettled(calls);
        // Every round ends "off": a recorder that outlived it stays for good (nothing else stops it).
        await waitFor(`no recorder after ${sequence.length} toggles ${gap} ms apart`, () => !recordings.isRecording('race') && recorders(camDir()).length === 0, 3000);
      }
    }
    expect(await record()).toBe(false);
    await waitFor('no recorder', () => !recordings.isRecording('race') && recorders(camDir()).length === 0, 10_000);
    // Past a reconcile round (2 s): a recorder that lost the race would show up by now.
    await sleep(2500);
    expect(recordings.isRecording('race')).toBe(false);
    expect(recorders(camDir())).toEqual([]);
    expect(await record()).toBe(false);
  }, 60_000);

  it('ending with "on": exactly one recorder runs', async () => {
    const recordings = stack.sfu.recordings;
    const calls = [recordings.setEnabled('race', true)];
    await sleep(2);
    calls.push(recordings.setEnabled('race', false), recordings.setEnabled('race', true));
    await Promise.all(calls);
    expect(await record()).toBe(true);
    await waitFor('one recorder', () => recordings.isRecording('race') && recorders(camDir()).length === 1, 10_000);
    await sleep(2500);
    expect(recorders(camDir())).toHaveLength(1);
    await recordings.setEnabled('race', false);
    await waitFor('no recorder', () => recorders(camDir()).length === 0, 10_000);
  }, 60_000);
});

describe('recording retention sweep', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-rec-sweep-'));
    stack = await startStack({ gateway: false, env: { RECORDINGS_DIR: dir, RECORDING_RETENTION_H: '72' } });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sweeps 5000 segments without blocking the event loop for more than 50 ms at a time', async () => {
    const cameras = 5;
    const perCamera = 1000;
    const old = new Date(Date.now() - 100 * 3_600_000); // past the 72 h retention
    for (let c = 0; c < cameras; c++) {
      const camDir = path.join(dir, `cam-${c}`);
      fs.mkdirSync(camDir);
      for (let i = 0; i < perCamera; i++) {
        const start = new Date(Date.UTC(2026, 0, 1) + (c * perCamera + i) * 1000);
        const file = path.join(camDir, `${start.toISOString().replace(/[-:]|\.\d+/g, '')}`.replace(/Z$/, 'Z.mp4'));
        fs.writeFileSync(file, 'x');
        fs.utimesSync(file, old, old);
      }
    }
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await sleep(50); // the histogram records from its second sample on
    const deleted = await stack.sfu.recordings.sweep();
    await sleep(50); // a loop blocked until the sweep's end is seen by the next sample
    delay.disable();
    // Every segment past retention goes, except each camera's newest (possibly being written).
    expect(deleted).toBe(cameras * (perCamera - 1));
    for (let c = 0; c < cameras; c++) expect(fs.readdirSync(path.join(dir, `cam-${c}`))).toHaveLength(1);
    // The histogram counts the 10 ms sampling period itself; a synchronous sweep blocks ~100+ ms.
    expect(delay.max / 1e6).toBeLessThan(50);
  }, 60_000);
});
