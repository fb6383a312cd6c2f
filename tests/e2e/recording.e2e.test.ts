import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { RecordingView } from '@county/shared';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, signedInPage, startStack, waitFor, type Stack } from '../support/stack';

/** ffprobe's verdict on a file: its video duration, or throws on a corrupt file. */
function probeDuration(file: string): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: { codec_name: string; nb_read_frames: string }[] }).streams[0]!;
  expect(s.codec_name).toBe('h264');
  return Number(s.nb_read_frames);
}

// Recording from the live producer to fragmented MP4 segments, across a camera reconnect.
describe('recording', () => {
  let stack: Stack;
  let camera: SimCamera;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-rec-test-'));
    camera = await startSimCamera({ mounts: ['/rec'] });
    stack = await startStack({ ui: true, env: { RECORDINGS_DIR: dir, RECORDING_SEGMENT_S: '2' } });
    browser = await launchChromium();
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'rec', name: '录像', url: camera.url() });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'rec')) === 'online');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
    if (!process.env.KEEP_REC) fs.rmSync(dir, { recursive: true, force: true });
  });

  const list = async (query = '') => (await api(stack.baseUrl, 'GET', `/api/cameras/rec/recordings${query}`)).json as RecordingView[];

  it('records segments, survives a camera reconnect with no corrupt file, and lists by time', async () => {
    const on = await api(stack.baseUrl, 'PUT', '/api/cameras/rec/recording', { enabled: true });
    expect(on.json).toMatchObject({ id: 'rec', record: true });
    await waitFor('two segments', async () => ((await list()).length >= 2 ? true : undefined), 20_000);

    // The camera drops and comes back: recording carries on in a new segment.
    const port = camera.port;
    await camera.stop();
    await waitFor('offline', async () => (await cameraStatus(stack.baseUrl, 'rec')) === 'offline', 15_000);
    const beforeReturn = (await list()).length;
    camera = await startSimCamera({ port, mounts: ['/rec'] });
    await waitFor('online again', async () => (await cameraStatus(stack.baseUrl, 'rec')) === 'online', 15_000);
    await waitFor('new segments after the reconnect', async () => ((await list()).length >= beforeReturn + 2 ? true : undefined), 20_000);

    const off = await api(stack.baseUrl, 'PUT', '/api/cameras/rec/recording', { enabled: false });
    expect(off.json).toMatchObject({ record: false });
    const all = await list();
    for (const r of all) {
      expect(r.bytes).toBeGreaterThan(0);
      expect(probeDuration(path.join(dir, 'rec', r.file))).toBeGreaterThan(0);
    }
    // Time-range query.
    const first = all[0]!;
    expect(await list(`?to=${encodeURIComponent(first.end)}`)).toEqual(expect.arrayContaining([expect.objectContaining({ file: first.file })]));
    expect(await list(`?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).toEqual([]);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/rec/recordings?from=yesterday')).status).toBe(400);
  }, 90_000);

  it('plays a recording back in Chromium', async () => {
    const rec = (await list()).reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const page = await signedInPage(browser, stack.baseUrl);
    await page.goto(`${stack.baseUrl}/wall`);
    const played = await page.evaluate(async (url) => {
      const v = document.createElement('video');
      v.muted = true;
      v.src = url;
      document.body.append(v);
      await v.play();
      await new Promise((r) => setTimeout(r, 1500));
      return { width: v.videoWidth, time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames };
    }, rec.url);
    expect(played.width).toBe(640);
    expect(played.time).toBeGreaterThan(0.5);
    expect(played.frames).toBeGreaterThan(10);
    await page.context().close();
  });

  it('refuses path tricks and deletes old segments by retention', async () => {
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/rec/recordings/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/rec/recordings/20990101T000000Z.mp4')).status).toBe(404);
    expect((await api(stack.baseUrl, 'PUT', '/api/cameras/rec/recording', { enabled: 'yes' })).status).toBe(400);
    const count = (await list()).length;
    const deleted = await stack.sfu.recordings.sweep(Date.now() + 1000 * 3_600_000);
    expect(deleted).toBe(count - 1); // everything but the newest segment
    expect(await list()).toHaveLength(1);
  });
});
