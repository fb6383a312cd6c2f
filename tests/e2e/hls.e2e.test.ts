import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

// HLS fallback: the SFU makes HLS from the live producer while someone fetches it; hls.js plays it.
describe('HLS fallback in Chromium', () => {
  let stack: Stack;
  let camera: SimCamera;
  let browser: Browser;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/hls=h264-1080p'] });
    stack = await startStack({ ui: true });
    browser = await launchChromium();
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'hls-cam', name: 'HLS', url: camera.url() });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'hls-cam')) === 'online');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('serves a live playlist of half-second segments', async () => {
    const res = await fetch(`${stack.baseUrl}/api/cameras/hls-cam/hls/index.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/mpegurl/);
    const playlist = await res.text();
    expect(playlist).toMatch(/#EXTM3U/);
    expect(playlist).toMatch(/#EXT-X-TARGETDURATION:1/);
    expect(playlist).toMatch(/seg\d+\.ts/);
    expect((await fetch(`${stack.baseUrl}/api/cameras/hls-cam/hls/..%2Fetc`)).status).toBe(400);
    expect((await fetch(`${stack.baseUrl}/api/cameras/nope/hls/index.m3u8`)).status).toBe(404);
  });

  it('plays in the wall with hls.js (?mode=hls), frames rising', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.baseUrl}/wall?mode=hls`);
    const frames = () =>
      page.$eval('[data-camera-id="hls-cam"]', (el) => Number(el.getAttribute('data-frames-decoded') ?? 0));
    await page.waitForFunction(
      () => Number(document.querySelector('[data-camera-id="hls-cam"]')?.getAttribute('data-frames-decoded')) > 0,
      null,
      { timeout: 30_000 },
    );
    expect(await page.getAttribute('[data-camera-id="hls-cam"]', 'data-mode')).toBe('hls');
    const before = await frames();
    await page.waitForTimeout(2500);
    expect((await frames()) - before).toBeGreaterThan(25);
    // Playing near the live edge: hls.js keeps about two segments of buffer.
    const lag = await page.$eval('video', (v) => {
      const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
      return end - v.currentTime;
    });
    expect(lag).toBeLessThan(3);
    await page.close();
  });
});
