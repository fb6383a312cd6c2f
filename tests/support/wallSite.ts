import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startSimCamera, type SimCamera } from './simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from './stack';

export interface WallSite {
  stack: Stack;
  camera: SimCamera;
  browser: Browser;
}

/**
 * The fixture of the wall's Chromium suites: one township (龙里镇) with one site (大桥工地)
 * whose panorama (`bridge-pano`) and close view (`bridge-close`) are live GStreamer streams
 * pulled always, the real stack serving the UI, and Chromium; `prepare` runs (as admin)
 * before the cameras are awaited online. Everything stops after the suite.
 */
export function wallSite(opts: { env?: NodeJS.ProcessEnv; prepare?: (stack: Stack) => Promise<void> } = {}): WallSite {
  const site = {} as WallSite;
  beforeAll(async () => {
    site.camera = await startSimCamera({ mounts: ['/pano', '/close'] });
    site.stack = await startStack({ ui: true, env: opts.env });
    site.browser = await launchChromium();
    const { baseUrl } = site.stack;
    const admin = async (path: string, body: unknown) => expect((await api(baseUrl, 'POST', path, body)).status).toBe(201);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    const common = { siteId: 'bridge', pull: 'always' };
    await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: site.camera.url('/pano'), kind: 'panorama', ...common });
    await admin('/api/cameras', { id: 'bridge-close', name: '大桥近景', url: site.camera.url('/close'), kind: 'close', ...common });
    await opts.prepare?.(site.stack);
    for (const id of ['bridge-pano', 'bridge-close']) {
      await waitFor(`${id} online`, async () => (await cameraStatus(baseUrl, id)) === 'online', 45_000);
    }
  }, 120_000);
  afterAll(async () => {
    await site.browser?.close();
    await site.stack?.stop();
    await site.camera?.stop();
  });
  return site;
}

/** The screen page's tile `i`. */
export const screenTile = (i: number) => `.screen-tile[data-tile-index="${i}"]`;

/** Waits until the screen page's tile `i` renders camera `id` live, frames rising. */
export async function waitTileLive(page: Page, i: number, id: string, opts: { minFrames?: number; timeout?: number } = {}): Promise<void> {
  await page.waitForFunction(
    ({ sel, id, minFrames }) => {
      const el = document.querySelector(sel);
      return (
        el?.getAttribute('data-camera-id') === id &&
        el.getAttribute('data-state') === 'live' &&
        Number(el.getAttribute('data-frames-decoded')) >= minFrames
      );
    },
    { sel: screenTile(i), id, minFrames: opts.minFrames ?? 5 },
    { timeout: opts.timeout ?? 30_000, polling: 50 },
  );
}
