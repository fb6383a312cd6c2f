import { api, signedInPage } from '../support/stack';
import { screenTile, waitTileLive, wallSite } from '../support/wallSite';

const tile = screenTile;
const consoleTile = (i: number) => `.console-tile[data-tile-index="${i}"]`;

// The command-center wall end to end: an operator's console puts cameras on a screen page
// (kiosk), switches a site's panorama to its close view without a black tile, and a second
// console follows along.
describe('console and wall screen in Chromium', () => {
  const site = wallSite();

  it('puts a camera on a screen, toggles panorama to close without a black tile, survives a reload, and a second console follows', async () => {
    const { stack, browser } = site;
    const zh = { locale: 'zh-CN' };
    const [ops, ops2, screen] = await Promise.all([
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1400, height: 900 } }),
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1400, height: 900 } }),
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1280, height: 720 } }),
    ]);
    await screen.goto(`${stack.baseUrl}/wall/hall`);
    await ops.goto(`${stack.baseUrl}/console?screen=hall`);
    await ops2.goto(`${stack.baseUrl}/console?screen=hall`);

    // A never-saved screen is an empty 2x2; set the layout anyway, then drag the panorama onto tile 0.
    await ops.locator('.camera-tree__camera[data-camera-id="bridge-pano"]').waitFor();
    expect(await ops.locator('.camera-tree__camera[data-camera-id="bridge-pano"] .camera-tree__kind').textContent()).toBe('全景');
    await ops.click('.console__layouts button[data-layout="2x2"]');
    await ops.waitForSelector('.console__layouts button[data-layout="2x2"][aria-pressed="true"]');
    await ops.dragAndDrop('.camera-tree__camera[data-camera-id="bridge-pano"]', consoleTile(0));
    await ops.waitForSelector(`${consoleTile(0)}[data-camera-id="bridge-pano"]`);
    expect(await screen.locator('.screen__grid .screen-tile').count()).toBe(4);
    await waitTileLive(screen, 0, 'bridge-pano', { minFrames: 10 });

    // Watch tile 0 on every frame while the console toggles to the close view.
    await screen.evaluate((sel) => {
      const w = window as unknown as { samples: string[]; sampling: boolean };
      w.samples = [];
      w.sampling = true;
      const sample = () => {
        const el = document.querySelector(sel);
        const state = el?.getAttribute('data-state') ?? 'none';
        const video = Array.from(el?.querySelectorAll<HTMLVideoElement>('video.screen-tile__video--front') ?? []).some((v) => v.videoWidth > 0);
        const still = Array.from(el?.querySelectorAll<HTMLImageElement>('img.screen-tile__still--shown') ?? []).some((i) => i.complete && i.naturalWidth > 0);
        w.samples.push(`${el?.getAttribute('data-camera-id')}:${state}:${video || still ? 'picture' : 'black'}`);
        if (w.sampling) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    }, tile(0));
    await ops.click(`${consoleTile(0)} button[data-action="toggle-kind"]`);
    await waitTileLive(screen, 0, 'bridge-close', { minFrames: 5 });
    const samples = await screen.evaluate(() => {
      const w = window as unknown as { samples: string[]; sampling: boolean };
      w.sampling = false;
      return w.samples;
    });
    expect(samples.length).toBeGreaterThan(5);
    const bad = samples.filter((s) => !/^bridge-(pano|close):(live|still):picture$/.test(s));
    expect(bad).toEqual([]);
    expect(samples.some((s) => s.startsWith('bridge-close:'))).toBe(true);
    expect(samples[samples.length - 1]).toBe('bridge-close:live:picture');

    // The second console followed the change live.
    await ops2.waitForSelector(`${consoleTile(0)}[data-camera-id="bridge-close"]`, { timeout: 10_000 });

    // A reload comes back to what the screen shows now.
    await screen.reload();
    await waitTileLive(screen, 0, 'bridge-close', { minFrames: 5 });
    expect(await screen.getAttribute(tile(1), 'data-camera-id')).toBeNull();

    // The click fallback from the second console: camera, then tile.
    await ops2.click('.camera-tree__camera[data-camera-id="bridge-pano"]');
    await ops2.click(consoleTile(1));
    await waitTileLive(screen, 1, 'bridge-pano', { minFrames: 5 });
    await ops.waitForSelector(`${consoleTile(1)}[data-camera-id="bridge-pano"]`, { timeout: 10_000 });

    const saved = (await api(stack.baseUrl, 'GET', '/api/screens/hall')).json as { layout: string; tiles: unknown[]; updatedBy: string };
    expect(saved.layout).toBe('2x2');
    expect(saved.tiles.slice(0, 2)).toEqual([{ cameraId: 'bridge-close' }, { cameraId: 'bridge-pano' }]);
    expect(saved.updatedBy).toBe('admin');
    await Promise.all([ops, ops2, screen].map((p) => p.context().close()));
  }, 120_000);
});
