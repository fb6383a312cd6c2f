import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { CameraView } from '@county/shared';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, signedInPage, startStack, waitFor, type Stack } from '../support/stack';

/** ffmpeg command lines naming `mount`. */
function ffmpegCommands(mount: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `ffmpeg .*${mount} `], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** The ffmpeg command line pulling `mount` (there must be exactly one). */
function ffmpegCommand(mount: string): string {
  const lines = execFileSync('pgrep', ['-af', `ffmpeg .*${mount} `], { encoding: 'utf8' }).trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const tileNumber = (page: Page, id: string, attr: string) =>
  page.$eval(`[data-camera-id="${id}"]`, (el, a) => Number(el.getAttribute(a) ?? 0), attr);

// Cameras shaped like the county's: real GStreamer streams, the gateway's relay for H.264 that
// passes through, real ffmpeg for the rest, real Chromium.
describe('real camera codecs in Chromium', () => {
  const cameras = [
    { id: 'high-aac', mount: '/high', profile: 'h264-1080p+aac', transcoded: false, audio: 'aac' },
    { id: 'main', mount: '/main', profile: 'h264-main', transcoded: false, audio: undefined },
    { id: 'slices', mount: '/slices', profile: 'h264-slices-sdp', transcoded: false, audio: undefined },
    { id: 'split', mount: '/split', profile: 'h264-slices', transcoded: true, audio: undefined },
    { id: 'hevc-alaw', mount: '/hevc', profile: 'h265+pcma', transcoded: true, audio: 'pcm_alaw' },
    { id: 'mjpeg', mount: '/mjpeg', profile: 'mjpeg', transcoded: true, audio: undefined },
    { id: 'bframes-ulaw', mount: '/bframes', profile: 'h264-bframes+pcmu', transcoded: true, audio: 'pcm_mulaw' },
  ];
  let stack: Stack;
  let sim: SimCamera;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sim = await startSimCamera({ mounts: cameras.map((c) => `${c.mount}=${c.profile}`) });
    stack = await startStack({ ui: true });
    browser = await launchChromium();
    for (const c of cameras) {
      const r = await api(stack.baseUrl, 'POST', '/api/cameras', { id: c.id, name: c.id, url: sim.url(c.mount) });
      expect(r.status).toBe(201);
    }
    page = await signedInPage(browser, stack.baseUrl);
    await page.goto(`${stack.baseUrl}/wall`);
    for (const c of cameras) {
      await page.waitForFunction(
        (id) => Number(document.querySelector(`[data-camera-id="${id}"]`)?.getAttribute('data-frames-decoded')) > 0,
        c.id,
        { timeout: 45_000 },
      );
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await sim?.stop();
  });

  it('plays every camera: frames and (where the camera has it) audio keep arriving', async () => {
    const before = await Promise.all(cameras.map((c) => tileNumber(page, c.id, 'data-frames-decoded')));
    const audioBefore = await Promise.all(cameras.map((c) => tileNumber(page, c.id, 'data-audio-bytes')));
    await page.waitForTimeout(3000);
    for (const [i, c] of cameras.entries()) {
      const frames = (await tileNumber(page, c.id, 'data-frames-decoded')) - before[i]!;
      expect({ id: c.id, moreThan20: frames > 20 }).toEqual({ id: c.id, moreThan20: true });
      const audioGrowth = (await tileNumber(page, c.id, 'data-audio-bytes')) - audioBefore[i]!;
      expect({ id: c.id, audio: audioGrowth > 1000 }).toEqual({ id: c.id, audio: c.audio !== undefined });
    }
  });

  it('shows whole pictures: no undecoded (green) region at the top of any camera', async () => {
    for (const c of cameras) {
      const green = await page.$eval(`[data-camera-id="${c.id}"] video`, (el) => {
        const v = el as HTMLVideoElement;
        const canvas = new OffscreenCanvas(v.videoWidth, v.videoHeight);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(v, 0, 0);
        // Points in the top fifth, away from the clock overlay; the camera's background there is dark blue.
        const points = [0.3, 0.5, 0.7].map((x) => ctx.getImageData(Math.round(x * v.videoWidth), Math.round(0.15 * v.videoHeight), 1, 1).data);
        return points.filter(([r, g, b]) => g! > 90 && r! < 70 && b! < 70).length;
      });
      expect({ id: c.id, greenPoints: green }).toEqual({ id: c.id, greenPoints: 0 });
    }
  });

  it('relays H.264 that plays as it is (no ffmpeg on its picture) and re-encodes only what browsers cannot play', async () => {
    for (const c of cameras) {
      const pull = stack.gateway!.pulls.get(c.id)!;
      if (c.transcoded) {
        expect({ id: c.id, mode: pull.mode }).toEqual({ id: c.id, mode: 'ffmpeg-transcode' });
        const cmd = ffmpegCommand(c.mount);
        expect(cmd).toContain('libx264');
        if (c.audio) expect(cmd).toContain('libopus');
        continue;
      }
      expect({ id: c.id, mode: pull.mode }).toEqual({ id: c.id, mode: 'relay' });
      expect(ffmpegCommands(c.mount)).toEqual([]);
      if (c.audio) {
        // Only the audio goes through ffmpeg (AAC -> Opus, read from a pipe, no camera URL).
        const cmd = fs.readFileSync(`/proc/${pull.pid}/cmdline`, 'utf8').split('\0').join(' ');
        expect(cmd).toContain('libopus');
        expect(cmd).toContain('pipe:0');
        expect(cmd).not.toContain('libx264');
        expect(cmd).not.toContain('rtsp://');
      } else {
        expect(pull.pid).toBeUndefined();
      }
    }
  });

  it('reports what each camera sends in its health', async () => {
    // fps is a one-second figure: on this loaded 2-core machine (seven encoders in the sim
    // camera, four transcodes, seven decoding tiles) one second can dip, so wait for every
    // camera to report more than 10 rather than judge a single sample.
    let last: CameraView[] = [];
    const views = await waitFor(
      'health of all cameras, each above 10 fps',
      async () => {
        last = (await api(stack.baseUrl, 'GET', '/api/cameras')).json as CameraView[];
        return last.every((v) => (v.health?.fps ?? 0) > 10 && v.health!.secondsSinceKeyframe !== undefined) ? last : undefined;
      },
      30_000,
      () => last.map((v) => ({ id: v.id, fps: v.health?.fps, status: v.status })),
    );
    const byId = new Map(views.map((v) => [v.id, v]));
    expect(byId.get('high-aac')?.health).toMatchObject({ codec: 'h264', profile: 'High', width: 1920, height: 1080, transcoding: false, audioCodec: 'aac' });
    expect(byId.get('hevc-alaw')?.health).toMatchObject({ codec: 'hevc', transcoding: true, audioCodec: 'pcm_alaw' });
    expect(byId.get('mjpeg')?.health).toMatchObject({ codec: 'mjpeg', transcoding: true });
    expect(byId.get('main')?.health).toMatchObject({ codec: 'h264', profile: 'Main', transcoding: false });
    expect(byId.get('bframes-ulaw')?.health).toMatchObject({ codec: 'h264', transcoding: true, transcodeReason: 'H.264 with B-frames' });
    for (const v of views) {
      expect(v.health!.bitrateKbps).toBeGreaterThan(0);
      expect(v.health!.fps).toBeGreaterThan(10); // as waited for above
      expect(v.hasAudio).toBe(cameras.find((c) => c.id === v.id)?.audio !== undefined);
    }
    // The 1080p camera sends a keyframe every 4 s; re-encoded ones every second.
    expect(byId.get('high-aac')!.health!.secondsSinceKeyframe).toBeLessThan(5);
    expect(byId.get('hevc-alaw')!.health!.secondsSinceKeyframe).toBeLessThan(2);
  });
});
