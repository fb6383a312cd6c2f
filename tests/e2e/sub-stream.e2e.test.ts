import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, signedInPage, startStack, waitFor, type Stack } from '../support/stack';
import { screenTile } from '../support/wallSite';

const TILE = screenTile(0);

/** Tile 0 plays `stream` live, its front video `width` pixels wide, frames rising. */
async function waitStream(page: Page, stream: 'main' | 'sub', width: number): Promise<void> {
  await page.waitForFunction(
    ({ sel, stream, width }) => {
      const el = document.querySelector(sel);
      const fronts = el?.querySelectorAll<HTMLVideoElement>('video.screen-tile__video--front') ?? [];
      const front = fronts[fronts.length - 1];
      return (
        el?.getAttribute('data-stream') === stream &&
        el.getAttribute('data-shown-stream') === stream &&
        el.getAttribute('data-state') === 'live' &&
        Number(el.getAttribute('data-frames-decoded')) >= 5 &&
        front?.getAttribute('data-layer-stream') === stream &&
        front.videoWidth === width
      );
    },
    { sel: TILE, stream, width },
    { timeout: 45_000, polling: 100 },
  );
}

/**
 * Watches tile 0 every animation frame from now on: each data-state it had, and the frames
 * in which it showed no picture (no front video with a decoded frame and no still).
 */
async function watchTile(page: Page): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { tileLog: { states: string[]; blank: number; frames: number; widths: number[] } };
    w.tileLog = { states: [], blank: 0, frames: 0, widths: [] };
    const tick = () => {
      const el = document.querySelector(sel);
      const state = el?.getAttribute('data-state') ?? 'none';
      if (w.tileLog.states[w.tileLog.states.length - 1] !== state) w.tileLog.states.push(state);
      const fronts = Array.from(el?.querySelectorAll<HTMLVideoElement>('video.screen-tile__video--front') ?? []);
      const width = fronts.find((v) => v.videoWidth > 0)?.videoWidth ?? 0;
      if (w.tileLog.widths[w.tileLog.widths.length - 1] !== width) w.tileLog.widths.push(width);
      const still = el?.querySelector('.screen-tile__still--shown');
      if (width === 0 && !still) w.tileLog.blank++;
      w.tileLog.frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, TILE);
}
const tileLog = (page: Page) =>
  page.evaluate(() => (window as unknown as { tileLog: { states: string[]; blank: number; frames: number; widths: number[] } }).tileLog);

// A camera with a main stream (1280x720) and a sub stream (640x360) on a screen in Chromium:
// small tiles (2x2, 3x3) play the sub stream, the one tile of layout 1 the main stream, and a
// layout change switches streams without the tile ever going blank or `waiting`.
describe('main and sub streams on a wall screen in Chromium', () => {
  let stack: Stack;
  let camera: SimCamera;
  let browser: Browser;
  let page: Page;
  const layout = async (l: string) =>
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: l, tiles: [{ cameraId: 'gate' }] })).status).toBe(200);

  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/main?size=1280x720&bitrate=1500', '/sub?size=640x360&bitrate=400'] });
    // A short grace period: the stream a tile switches to is idle (a cold pull), and the old one
    // would stop while the new one starts unless the page keeps watching it until the switch.
    stack = await startStack({ ui: true, env: { ON_DEMAND_GRACE_S: '1' } });
    browser = await launchChromium();
    const r = await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'gate', name: '大门', url: camera.url('/main'), subUrl: camera.url('/sub') });
    expect(r.status).toBe(201);
    await layout('3x3');
    page = await signedInPage(browser, stack.baseUrl, undefined, { viewport: { width: 1280, height: 720 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('plays the sub stream in a 3x3 tile and pulls it on demand', async () => {
    await page.goto(`${stack.baseUrl}/wall/hall`);
    await waitStream(page, 'sub', 640);
    expect(stack.gateway?.pulls.has('gate~sub')).toBe(true);
  });

  it('switches to the main stream for layout 1 and back to the sub stream for 2x2, the old picture held until the new one renders', async () => {
    const idle = (stream: 'main' | 'sub') =>
      waitFor(`${stream} stream idle`, async () => {
        const v = (await api(stack.baseUrl, 'GET', '/api/cameras/gate')).json as { status: string; sub?: { status: string } };
        return (stream === 'main' ? v.status : v.sub?.status) === 'idle';
      }, 45_000); // a still asked of a stream keeps it pulled 30 s (Snapshots)
    await idle('main');
    await watchTile(page);
    await layout('1');
    await waitStream(page, 'main', 1280);
    let log = await tileLog(page);
    expect(log.states.every((s) => s === 'live' || s === 'still')).toBe(true);
    expect(log.blank).toBe(0);
    expect(log.widths).toEqual([640, 1280]);

    await idle('sub');
    await watchTile(page);
    await layout('2x2');
    await waitStream(page, 'sub', 640);
    log = await tileLog(page);
    expect(log.states.every((s) => s === 'live' || s === 'still')).toBe(true);
    expect(log.blank).toBe(0);
    expect(log.widths).toEqual([1280, 640]);
    expect(log.frames).toBeGreaterThan(10);
  }, 150_000);
});
