import type { Browser, Page } from 'playwright-core';
import type { Incident, Screen } from '@county/shared';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, signedInPage, startStack, waitFor, type Stack } from '../support/stack';

const tile = (i: number) => `.screen-tile[data-tile-index="${i}"]`;

/** Waits until the screen page's tile `i` renders camera `id` live, frames rising. */
async function waitLive(page: Page, i: number, id: string, minFrames = 5): Promise<void> {
  await page.waitForFunction(
    ({ sel, id, minFrames }) => {
      const el = document.querySelector(sel);
      return el?.getAttribute('data-camera-id') === id && el.getAttribute('data-state') === 'live' && Number(el.getAttribute('data-frames-decoded')) >= minFrames;
    },
    { sel: tile(i), id, minFrames },
    { timeout: 30_000 },
  );
}

// An emergency plan end to end: one click in the console opens an incident and the screen
// page shows the plan's cameras live; closing the incident from the console.
describe('emergency plan run from the console in Chromium', () => {
  let stack: Stack;
  let camera: SimCamera;
  let browser: Browser;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/pano', '/close'] });
    stack = await startStack({ ui: true });
    browser = await launchChromium();
    const admin = async (path: string, body: unknown) => expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: camera.url('/pano'), siteId: 'bridge', kind: 'panorama', pull: 'always' });
    await admin('/api/cameras', { id: 'bridge-close', name: '大桥近景', url: camera.url('/close'), siteId: 'bridge', kind: 'close', pull: 'always' });
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: '1', tiles: [{ text: '值班中' }] })).status).toBe(200);
    await admin('/api/plans', { id: 'flood-bridge', name: '大桥防汛', kind: 'flood', screenId: 'hall', siteId: 'bridge' });
    for (const id of ['bridge-pano', 'bridge-close']) {
      await waitFor(`${id} online`, async () => (await cameraStatus(stack.baseUrl, id)) === 'online', 45_000);
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('runs a plan in one click: the screen page shows its cameras live, the console lists the incident and closes it', async () => {
    const zh = { locale: 'zh-CN' };
    const [ops, screen] = await Promise.all([
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1400, height: 1600 } }),
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1280, height: 720 } }),
    ]);
    await screen.goto(`${stack.baseUrl}/wall/hall`);
    await ops.goto(`${stack.baseUrl}/console?screen=hall`);
    await screen.waitForSelector('.screen__grid .screen-tile');

    const run = ops.locator('[data-plan-id="flood-bridge"] button[data-action="run"]');
    await run.waitFor();
    expect(await run.textContent()).toBe('一键启动');
    await run.click();

    // The site's streams, panorama first, on a 2x2.
    await waitLive(screen, 0, 'bridge-pano');
    await waitLive(screen, 1, 'bridge-close');
    expect(await screen.locator('.screen__grid .screen-tile').count()).toBe(4);
    const hall = (await api(stack.baseUrl, 'GET', '/api/screens/hall')).json as Screen;
    expect(hall.layout).toBe('2x2');

    const open = (await api(stack.baseUrl, 'GET', '/api/incidents?status=open')).json as Incident[];
    expect(open.map((i) => [i.title, i.planId])).toEqual([['大桥防汛', 'flood-bridge']]);
    const row = ops.locator(`[data-incident-id="${open[0]!.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-severity')).toBe('warning');

    ops.once('dialog', (d) => void d.accept());
    await row.locator('button[data-action="close"]').click();
    await row.waitFor({ state: 'detached' });
    expect((await api(stack.baseUrl, 'GET', '/api/incidents?status=open')).json).toEqual([]);
    // Closing leaves the wall as it is.
    await waitLive(screen, 0, 'bridge-pano');
    await Promise.all([ops.context().close(), screen.context().close()]);
  });
});
