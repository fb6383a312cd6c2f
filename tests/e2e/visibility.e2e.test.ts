import type { Page } from 'playwright-core';
import { observer as mediasoupObserver } from 'mediasoup';
import { liveStack } from '../support/liveStack';
import { signedInPage, waitFor } from '../support/stack';

const IDS = ['vis-a', 'vis-b', 'vis-c', 'vis-d'];

// Server side: the open consumers on WebRTC transports (browsers'; not the pipes, snapshots or
// recordings between workers), followed from the stack's workers as they are created. The
// suite's one page is the only browser, so this is its peer's consumer count.
const browserConsumers = new Set<string>();
mediasoupObserver.on('newworker', (worker) =>
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => {
      if (transport.constructor.name !== 'WebRtcTransport') return;
      transport.observer.on('newconsumer', (consumer) => {
        browserConsumers.add(consumer.id);
        consumer.observer.once('close', () => browserConsumers.delete(consumer.id));
      });
    }),
  ),
);

/** Each tile's camera, whether it is in the viewport now, and what the tile says about itself. */
const tiles = (page: Page) =>
  page.$$eval('.wall__grid .tile', (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return {
        id: el.getAttribute('data-camera-id')!,
        inViewport: r.bottom > 0 && r.top < window.innerHeight,
        visible: el.getAttribute('data-visible'),
        receiving: el.getAttribute('data-receiving'),
        frames: Number(el.getAttribute('data-frames-decoded')),
      };
    }),
  );

const receivingIs = (page: Page, id: string, value: 'true' | 'false') =>
  page.waitForSelector(`.tile[data-camera-id="${id}"][data-receiving="${value}"]`, { timeout: 30_000 });

/** Frames of camera `id` rising on the page: ten more than the lowest count seen from now on (a new consumer counts from 0). */
const framesRising = (page: Page, id: string) =>
  page.waitForFunction(
    (id) => {
      const w = window as unknown as { low?: Record<string, number> };
      const n = Number(document.querySelector(`.tile[data-camera-id="${id}"]`)?.getAttribute('data-frames-decoded'));
      w.low ??= {};
      w.low[id] = Math.min(w.low[id] ?? n, n);
      const rising = n > w.low[id]! + 10;
      if (rising) delete w.low[id];
      return rising;
    },
    id,
    { timeout: 30_000, polling: 100 },
  );

// The all-cameras wall receives only the tiles one can see: scrolled-away tiles and a hidden
// tab close their consumers and leave camera:watch, and come back when seen again.
describe('the wall receives only visible tiles (Chromium)', () => {
  const live = liveStack({
    mounts: IDS.map((id) => `/${id}`),
    browser: true,
    cameras: (camera) => IDS.map((id) => ({ id, name: id, url: camera.url(`/${id}`) })),
  });

  const serverConsumers = () => Promise.resolve(browserConsumers.size);
  const watchers = (id: string) => live.stack.sfu.demand.holderCount(id);

  it('closes the consumers of off-screen tiles, receives them again when scrolled into view, and stops while the tab is hidden', async () => {
    const { stack, browser } = live;
    // Two columns of 16:9 tiles ~500 px wide: the first row fits, the second is below the fold.
    const page = await signedInPage(browser, stack.baseUrl, undefined, { viewport: { width: 1000, height: 280 } });
    await page.goto(`${stack.baseUrl}/wall`);
    await page.waitForFunction((n) => document.querySelectorAll('.wall__grid .tile').length === n, IDS.length);
    await page.waitForTimeout(500); // the observers' first report
    const layout = await tiles(page);
    const seen = layout.filter((t) => t.inViewport).map((t) => t.id);
    const unseen = layout.filter((t) => !t.inViewport).map((t) => t.id);
    expect(seen.length).toBeGreaterThan(0);
    expect(unseen.length).toBeGreaterThan(0);

    for (const id of seen) {
      await receivingIs(page, id, 'true');
      await framesRising(page, id);
    }
    for (const id of unseen) {
      await receivingIs(page, id, 'false');
      expect(await page.getAttribute(`.tile[data-camera-id="${id}"]`, 'data-visible')).toBe('false');
    }
    // Server side: consumers only for the tiles in view, and only those watched by the page.
    // A tile consumes video, and audio when its camera has audio (the tile then has a sound button).
    const perTile = 1 + (await page.locator('.tile__sound').count() > 0 ? 1 : 0);
    await waitFor('server consumers = tiles in view', async () => (await serverConsumers()) === seen.length * perTile);
    await waitFor('watch set = tiles in view', () => seen.every((id) => watchers(id) === 1) && unseen.every((id) => watchers(id) === 0));

    // Scroll the rest into view: they receive, the first row scrolls away and stops.
    await page.locator(`.tile[data-camera-id="${unseen[0]}"]`).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const after = await tiles(page);
    const nowSeen = after.filter((t) => t.inViewport).map((t) => t.id);
    const nowUnseen = after.filter((t) => !t.inViewport).map((t) => t.id);
    expect(nowSeen).toEqual(expect.arrayContaining(unseen));
    for (const id of nowSeen) {
      await receivingIs(page, id, 'true');
      await framesRising(page, id);
    }
    for (const id of nowUnseen) await receivingIs(page, id, 'false');
    await waitFor('server consumers = tiles in view', async () => (await serverConsumers()) === nowSeen.length * perTile);
    await waitFor('watch set follows the scroll', () => nowSeen.every((id) => watchers(id) === 1) && nowUnseen.every((id) => watchers(id) === 0));

    // A scrolled-away tile keeps its last picture (the still canvas), never black, while it is away.
    for (const id of nowUnseen) {
      const shown = await page.$eval(`.tile[data-camera-id="${id}"] canvas.tile__still`, (c) => !(c as HTMLCanvasElement).hidden && (c as HTMLCanvasElement).width > 0);
      expect(shown).toBe(true);
    }
    // A tile's frame counter does not rise while it is away.
    const frozen = after.find((t) => t.id === nowUnseen[0]);
    if (frozen) {
      await page.waitForTimeout(1500);
      expect((await tiles(page)).find((t) => t.id === frozen.id)!.frames).toBe(frozen.frames);
    }

    // A hidden tab (emulated: Playwright's headless pages are always visible) receives nothing and watches nothing.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((state) => {
        Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
        Object.defineProperty(document, 'hidden', { value: state === 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    for (const id of IDS) await receivingIs(page, id, 'false');
    await waitFor('no consumers while hidden', async () => (await serverConsumers()) === 0);
    await waitFor('nothing watched while hidden', () => IDS.every((id) => watchers(id) === 0));

    // Shown again: every frame until they receive, the tiles in view show their last picture (the still canvas), never black.
    await page.evaluate((ids) => {
      const w = window as unknown as { samples: string[]; sampling: boolean };
      w.samples = [];
      w.sampling = true;
      const sample = () => {
        for (const id of ids) {
          const el = document.querySelector(`.tile[data-camera-id="${id}"]`)!;
          const canvas = el.querySelector<HTMLCanvasElement>('canvas.tile__still');
          const still = !!canvas && !canvas.hidden && canvas.width > 0;
          const video = el.getAttribute('data-receiving') === 'true' && (el.querySelector('video')?.videoWidth ?? 0) > 0;
          w.samples.push(`${id}:${still ? 'still' : video ? 'live' : 'black'}`);
        }
        if (w.sampling) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    }, nowSeen);
    await setVisibility('visible');
    for (const id of nowSeen) {
      await receivingIs(page, id, 'true');
      await framesRising(page, id);
    }
    const samples = await page.evaluate(() => {
      const w = window as unknown as { samples: string[]; sampling: boolean };
      w.sampling = false;
      return w.samples;
    });
    expect(samples.filter((s) => s.endsWith(':black'))).toEqual([]);
    for (const id of nowSeen) expect(samples).toContain(`${id}:live`);
    await waitFor('consumers back', async () => (await serverConsumers()) === nowSeen.length * perTile);
    await page.context().close();
  }, 120_000);
});
