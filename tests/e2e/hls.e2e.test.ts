import { liveStack } from '../support/liveStack';
import { adminFetch, signedInPage } from '../support/stack';

// HLS fallback: the SFU makes HLS from the live producer while someone fetches it; hls.js plays it.
describe('HLS fallback in Chromium', () => {
  const live = liveStack({
    mounts: ['/hls=h264-1080p'],
    browser: true,
    cameras: (camera) => [{ id: 'hls-cam', name: 'HLS', url: camera.url() }],
  });

  it('serves a live playlist of half-second segments', async () => {
    const { stack } = live;
    const res = await adminFetch(stack.baseUrl, '/api/cameras/hls-cam/hls/index.m3u8');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/mpegurl/);
    const playlist = await res.text();
    expect(playlist).toMatch(/#EXTM3U/);
    expect(playlist).toMatch(/#EXT-X-TARGETDURATION:1/);
    expect(playlist).toMatch(/seg\d+\.ts/);
    expect((await adminFetch(stack.baseUrl, '/api/cameras/hls-cam/hls/..%2Fetc')).status).toBe(400);
    expect((await adminFetch(stack.baseUrl, '/api/cameras/nope/hls/index.m3u8')).status).toBe(404);
  });

  it('plays in the wall with hls.js (?mode=hls), frames rising', async () => {
    const { stack, browser } = live;
    const page = await signedInPage(browser, stack.baseUrl);
    await page.goto(`${stack.baseUrl}/wall?mode=hls`);
    const frames = () =>
      page.$eval('[data-camera-id="hls-cam"]', (el) => Number(el.getAttribute('data-frames-decoded') ?? 0));
    // Past the start-up (hls.js may stall once while it settles at the live edge)...
    await page.waitForFunction(
      () => Number(document.querySelector('[data-camera-id="hls-cam"]')?.getAttribute('data-frames-decoded')) > 50,
      null,
      { timeout: 30_000 },
    );
    expect(await page.getAttribute('[data-camera-id="hls-cam"]', 'data-mode')).toBe('hls');
    // ...it keeps playing: 75 more frames (3 s at 25 fps) arrive, waited for rather than timed
    // (a loaded 2-core machine decodes in bursts); a stall would never get there.
    const before = await frames();
    await page.waitForFunction(
      (min) => Number(document.querySelector('[data-camera-id="hls-cam"]')?.getAttribute('data-frames-decoded')) >= min,
      before + 75,
      { timeout: 20_000 },
    );
    // Playing near the live edge: hls.js keeps about two segments of buffer.
    const lag = await page.$eval('video', (v) => {
      const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
      return end - v.currentTime;
    });
    expect(lag).toBeLessThan(3);
    await page.context().close();
  });
});
