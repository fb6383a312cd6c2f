import type { Browser } from 'playwright-core';
import type { Screen, SiteView } from '@county/shared';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, signedInPage, startStack, waitFor, type Stack } from '../support/stack';

const consoleTile = (i: number) => `.console-tile[data-tile-index="${i}"]`;
const marker = (site: string, status?: string) => `.map-marker[data-site-id="${site}"]${status ? `[data-status="${status}"]` : ''}`;

// The console's county map in Chromium: the schematic outline when nothing was uploaded, a
// marker per site coloured by its streams, click a marker then a tile to assign the site's
// panorama, drag a marker to move the site; page and notice tiles from the same console.
describe('console map and non-video tiles in Chromium', () => {
  let stack: Stack;
  let camera: SimCamera;
  let browser: Browser;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/pano'] });
    stack = await startStack({ ui: true, env: { WALL_PAGE_HOSTS: 'intranet.county.gov.cn' } });
    browser = await launchChromium();
    const admin = async (path: string, body: unknown) => expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
    await admin('/api/townships', { id: 'longli', name: '龙里镇', position: { x: 0.3, y: 0.3 } });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli', position: { x: 0.4, y: 0.5 } });
    await admin('/api/sites', { id: 'school', name: '学校工地', townshipId: 'longli', position: { x: 0.7, y: 0.6 } });
    await admin('/api/sites', { id: 'quarry', name: '采石场', townshipId: 'longli' });
    await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: camera.url('/pano'), siteId: 'bridge', kind: 'panorama', pull: 'always' });
    // Nothing listens on port 1: the gateway reports it offline.
    await admin('/api/cameras', { id: 'school-pano', name: '学校全景', url: 'rtsp://127.0.0.1:1/none', siteId: 'school', kind: 'panorama', pull: 'always' });
    await admin('/api/cameras', { id: 'quarry-pano', name: '采石场全景', url: 'rtsp://127.0.0.1:1/none', siteId: 'quarry', kind: 'panorama' });
    await waitFor('bridge-pano online', async () => (await cameraStatus(stack.baseUrl, 'bridge-pano')) === 'online', 45_000);
    await waitFor('school-pano offline', async () => (await cameraStatus(stack.baseUrl, 'school-pano')) === 'offline', 45_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('shows a marker per site with its status; a marker click then a tile click assigns the panorama; a drag moves the site', async () => {
    const ops = await signedInPage(browser, stack.baseUrl, undefined, { locale: 'zh-CN', viewport: { width: 1500, height: 950 } });
    await ops.goto(`${stack.baseUrl}/console?screen=map-test`);
    await ops.click('button[data-tab="map"]');

    // No uploaded image: the shipped schematic outline, actually drawn.
    await ops.waitForSelector('.map-panel img[data-source="outline"]');
    await ops.waitForFunction(() => (document.querySelector<HTMLImageElement>('.map-panel img')?.naturalWidth ?? 0) > 0);
    expect(await ops.locator('.map-panel').textContent()).toContain('示意图');

    await ops.waitForSelector(marker('bridge', 'online'));
    await ops.waitForSelector(marker('school', 'offline'));
    // An on-demand camera nobody watches is idle (or offline, once a snapshot made the gateway try it).
    const quarryStatus = await cameraStatus(stack.baseUrl, 'quarry-pano');
    await ops.waitForSelector(marker('quarry', quarryStatus), { state: 'attached' });
    expect(await ops.locator('.map-marker').count()).toBe(3);
    expect(await ops.locator(`.map-panel__map ${marker('bridge')}`).count()).toBe(1); // placed on the map
    expect(await ops.locator(`.map-panel__unplaced ${marker('quarry')}`).count()).toBe(1); // not yet
    expect(await ops.locator('.map-panel__map .map-township[data-township-id="longli"]').textContent()).toBe('龙里镇');

    // Select by marker, then click tile 1.
    await ops.click(marker('bridge'));
    await ops.waitForSelector(`${marker('bridge')}[data-selected="true"]`);
    await ops.click(consoleTile(1));
    await ops.waitForSelector(`${consoleTile(1)}[data-camera-id="bridge-pano"]`);
    const screen = (await api(stack.baseUrl, 'GET', '/api/screens/map-test')).json as Screen;
    expect(screen.tiles[1]).toEqual({ cameraId: 'bridge-pano' });

    // Drag the unplaced quarry onto the map: its position is stored as fractions of the image.
    const img = (await ops.locator('.map-panel img').boundingBox())!;
    const from = (await ops.locator(marker('quarry')).boundingBox())!;
    await ops.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await ops.mouse.down();
    await ops.mouse.move(img.x + img.width * 0.2, img.y + img.height * 0.8, { steps: 8 });
    await ops.mouse.up();
    await ops.waitForSelector(`.map-panel__map ${marker('quarry')}`);
    const quarry = await waitFor('quarry stored', async () => {
      const sites = (await api(stack.baseUrl, 'GET', '/api/sites')).json as SiteView[];
      return sites.find((s) => s.id === 'quarry' && s.position);
    });
    expect(quarry.position!.x).toBeCloseTo(0.2, 1);
    expect(quarry.position!.y).toBeCloseTo(0.8, 1);
    // A drag is not a click: nothing new got selected.
    expect(await ops.locator(`${marker('quarry')}[data-selected="true"]`).count()).toBe(0);
    await ops.close();
  });

  it('puts a notice and an allowed page on tiles, and shows the translated refusal of a host not allowed', async () => {
    const ops = await signedInPage(browser, stack.baseUrl, undefined, { locale: 'zh-CN', viewport: { width: 1500, height: 950 } });
    await ops.goto(`${stack.baseUrl}/console?screen=map-test`);
    await ops.waitForSelector(consoleTile(2));

    await ops.click(`${consoleTile(2)} button[data-action="set-text"]`);
    await ops.fill('textarea[name="text"]', '防汛值班 24 小时');
    await ops.click('.tile-editor__form button[type="submit"]');
    await ops.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('防汛值班 24 小时'), consoleTile(2));

    await ops.click(`${consoleTile(3)} button[data-action="set-page"]`);
    await ops.fill('input[name="url"]', 'http://example.com/');
    await ops.click('.tile-editor__form button[type="submit"]');
    const refusal = await ops.waitForSelector('.page__error[role="alert"]');
    expect(await refusal.textContent()).toContain('不在允许显示的网页主机名单');
    await ops.fill('input[name="url"]', 'http://intranet.county.gov.cn/rain');
    await ops.click('.tile-editor__form button[type="submit"]');
    await ops.waitForSelector('.tile-editor__form', { state: 'detached' });

    const screen = (await api(stack.baseUrl, 'GET', '/api/screens/map-test')).json as Screen;
    expect(screen.tiles.slice(1, 4)).toEqual([{ cameraId: 'bridge-pano' }, { text: '防汛值班 24 小时' }, { url: 'http://intranet.county.gov.cn/rain' }]);
    await ops.close();
  });
});
