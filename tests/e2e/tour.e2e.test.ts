import type { Tour } from '@county/shared';
import { api, signedInPage, type Stack } from '../support/stack';
import { screenTile, waitTileLive, wallSite } from '../support/wallSite';

const tile = screenTile;
const DWELL_S = 4;

const tour = async (stack: Stack, id: string) => ((await api(stack.baseUrl, 'GET', '/api/tours')).json as Tour[]).find((t) => t.id === id);

// A tour (轮巡) end to end: the console builds a two-camera tour of tile 0 in its tour panel,
// starts it, the screen page follows each step within a second and shows each camera live;
// stopping it from the console leaves the tile as it is.
describe('a tour started from the console in Chromium', () => {
  const site = wallSite({ env: { TOUR_MIN_DWELL_S: '1' }, prepare: async (stack) => {
      expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: '2x2', tiles: [null, { text: '值班中' }] })).status).toBe(200);
    } });

  it('creates a tour of tile 0 in the console, starts it, the screen shows each camera live within a second of its step, and stop keeps the tile', async () => {
    const { stack, browser } = site;
    const zh = { locale: 'zh-CN' };
    const [ops, screen] = await Promise.all([
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1400, height: 1600 } }),
      signedInPage(browser, stack.baseUrl, undefined, { ...zh, viewport: { width: 1280, height: 720 } }),
    ]);
    await screen.goto(`${stack.baseUrl}/wall/hall`);
    await ops.goto(`${stack.baseUrl}/console?screen=hall`);
    await screen.waitForSelector(`${tile(0)}[data-kind="empty"]`);

    // Build it in the tour panel: name, id, tile 1 (index 0), dwell, then the cameras picked in the tree.
    const form = ops.locator('form[data-form="tour"]');
    await form.waitFor();
    await form.locator('input[name="name"]').fill('大桥轮巡');
    await form.locator('input[name="id"]').fill('bridge-tour');
    await form.locator('select[name="tile"]').selectOption('0');
    await form.locator('input[name="dwellS"]').fill(String(DWELL_S));
    for (const id of ['bridge-pano', 'bridge-close']) {
      await ops.click(`.camera-tree__camera[data-camera-id="${id}"]`);
      await form.locator('button[data-action="add-camera"]').click();
    }
    expect(await form.locator('.tours__steps li').allTextContents()).toEqual([expect.stringContaining('大桥全景'), expect.stringContaining('大桥近景')]);
    await form.locator('button[type="submit"]').click();
    const row = ops.locator('[data-tour-id="bridge-tour"]');
    await row.waitFor();
    expect(await row.getAttribute('data-running')).toBe('false');
    const saved = await tour(stack, 'bridge-tour');
    expect(saved).toMatchObject({ target: { screenId: 'hall', tileIndex: 0 }, steps: [{ cameraId: 'bridge-pano' }, { cameraId: 'bridge-close' }], dwellS: DWELL_S });

    // Record on the screen page when tile 0 changes camera (and when it turns live).
    await screen.evaluate((sel) => {
      const w = window as unknown as { changes: { camera: string | null; state: string | null; at: number }[] };
      w.changes = [];
      const el = document.querySelector(sel)!;
      new MutationObserver(() => {
        const last = w.changes[w.changes.length - 1];
        const now = { camera: el.getAttribute('data-camera-id'), state: el.getAttribute('data-state'), at: Date.now() };
        if (last?.camera !== now.camera || last.state !== now.state) w.changes.push(now);
      }).observe(el, { attributes: true, attributeFilter: ['data-camera-id', 'data-state'] });
    }, tile(0));
    const changes = () => screen.evaluate(() => (window as unknown as { changes: { camera: string | null; state: string | null; at: number }[] }).changes);
    /** The first time tile 0 showed `camera` at or after `since` (ms). */
    const shownAt = async (camera: string, since: number) => (await changes()).find((c) => c.camera === camera && c.at >= since - 50)?.at;

    await row.locator('button[data-action="start"]').click();
    await ops.waitForSelector('[data-tour-id="bridge-tour"][data-running="true"]');

    // Step 1: the panorama, live; the screen had it within a second of the server's step.
    await waitTileLive(screen, 0, 'bridge-pano', { minFrames: 3, timeout: 15_000 });
    let state = (await tour(stack, 'bridge-tour'))!.state;
    const step1 = Date.parse(state.since);
    expect(state.step).toBe(0);
    expect(state.running).toBe(true);
    expect((await shownAt('bridge-pano', step1))! - step1).toBeLessThan(1000);

    // Step 2 after the dwell: the close view, live, within a second of its step.
    await waitTileLive(screen, 0, 'bridge-close', { minFrames: 3, timeout: 15_000 });
    state = (await tour(stack, 'bridge-tour'))!.state;
    expect(state.step).toBe(1);
    const step2 = Date.parse(state.since);
    expect(step2 - step1).toBeGreaterThanOrEqual(DWELL_S * 1000 - 100);
    expect((await shownAt('bridge-close', step2))! - step2).toBeLessThan(1000);
    await ops.waitForSelector('[data-tour-id="bridge-tour"][data-step="1"]');

    // And around again to the panorama.
    await waitTileLive(screen, 0, 'bridge-pano', { minFrames: 3, timeout: 15_000 });
    state = (await tour(stack, 'bridge-tour'))!.state;
    expect(state.step).toBe(0);
    const step3 = Date.parse(state.since);
    expect((await shownAt('bridge-pano', step3))! - step3).toBeLessThan(1000);
    // Every change of tile 0 was one of the tour's cameras, never an empty tile.
    expect((await changes()).filter((c) => c.camera !== 'bridge-pano' && c.camera !== 'bridge-close')).toEqual([]);

    // Stop from the console: the tile keeps what it shows, past another dwell.
    await row.locator('button[data-action="stop"]').click();
    await ops.waitForSelector('[data-tour-id="bridge-tour"][data-running="false"]');
    expect((await tour(stack, 'bridge-tour'))!.state.running).toBe(false);
    const kept = await screen.getAttribute(tile(0), 'data-camera-id');
    expect(kept === 'bridge-pano' || kept === 'bridge-close').toBe(true);
    await screen.waitForTimeout(DWELL_S * 1000 + 1500);
    await waitTileLive(screen, 0, kept!, { minFrames: 3, timeout: 15_000 });
    const hall = (await api(stack.baseUrl, 'GET', '/api/screens/hall')).json as { tiles: unknown[] };
    expect(hall.tiles[0]).toEqual({ cameraId: kept });
    expect(hall.tiles[1]).toEqual({ text: '值班中' });
    await Promise.all([ops.context().close(), screen.context().close()]);
  }, 120_000);
});
