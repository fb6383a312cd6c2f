/**
 * A county meeting in Chromium, three browser contexts with fake camera and microphone: the
 * county host (admin) and township users of 龙里镇 and 洗马镇. All see and hear each other;
 * the host mutes one, spotlights another, runs a roll call over three units and exports the
 * CSV; a screen share reaches the others; a site camera joins as a tile and leaves; a
 * participant whose transport the server closes is back without a reload.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { MeetingState } from '@county/shared';
import { api, signedInPage, waitFor } from '../support/stack';
import { wallSite } from '../support/wallSite';

jest.setTimeout(240_000);

const site = wallSite({
  prepare: async (stack) => {
    const admin = async (path: string, body: unknown) => expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
    await admin('/api/townships', { id: 'xima', name: '洗马镇' });
    await admin('/api/users', { username: 'tw-longli', password: 'longli-password-1', role: 'township', townshipId: 'longli', displayName: '龙里镇王书记' });
    await admin('/api/users', { username: 'hall-screen', password: 'hall-screen-pass', role: 'display', displayName: '指挥大厅大屏' });
    await admin('/api/users', { username: 'tw-xima', password: 'xima-password-123', role: 'township', townshipId: 'xima', displayName: '洗马镇李镇长' });
  },
});

let meetingId: string;
/** With UPDATE_SCREENSHOTS=1 the suite refreshes the meeting screenshots in docs/. */
const shot = async (page: Page, name: string) => {
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: path.resolve(__dirname, `../../docs/${name}.png`) });
};
const pages: Record<'host' | 'longli' | 'xima', Page> = {} as never;
const peerIds: Record<string, string> = {};

/** Tile `peerId` on `page` decodes frames (at least `more` past what it had). */
async function framesRising(page: Page, selector: string, more = 10, timeout = 30_000): Promise<void> {
  const start = await page.evaluate((sel) => Number(document.querySelector(sel)?.getAttribute('data-frames-decoded') ?? 0), selector);
  await page.waitForFunction(
    ({ sel, min }) => Number(document.querySelector(sel)?.getAttribute('data-frames-decoded') ?? 0) >= min,
    { sel: selector, min: start + more },
    { timeout, polling: 200 },
  );
}

async function audioRising(page: Page, peerId: string, timeout = 30_000): Promise<void> {
  const sel = `audio[data-peer-id="${peerId}"]`;
  const start = await page.evaluate((s) => Number(document.querySelector(s)?.getAttribute('data-audio-bytes') ?? 0), sel);
  await page.waitForFunction(({ s, min }) => Number(document.querySelector(s)?.getAttribute('data-audio-bytes') ?? 0) > min, { s: sel, min: start + 2000 }, { timeout, polling: 200 });
}

async function hostAction(button: string, participant?: string): Promise<void> {
  const host = pages.host;
  if (!(await host.locator('[data-panel="people"]').count())) await host.click('button[data-action="people"]');
  const scope = participant ? host.locator(`li[data-participant="${participant}"]`) : host.locator('[data-panel="people"]');
  await scope.locator(`button[data-action="${button}"]`).first().click();
}

beforeAll(async () => {
  const { baseUrl } = site.stack;
  const r = await api(baseUrl, 'POST', '/api/meetings', {
    title: '全县防汛调度会',
    townshipIds: ['longli', 'xima'],
    units: [
      { id: 'longli', name: '龙里镇', kind: 'township' },
      { id: 'xima', name: '洗马镇', kind: 'township' },
      { id: 'gaozhai', name: '高寨村', kind: 'village', townshipId: 'xima' },
    ],
  });
  expect(r.status).toBe(201);
  meetingId = (r.json as { id: string }).id;
  // County PCs run Chinese: the page's own default (and the screenshots') language.
  const zh = { locale: 'zh-CN' };
  pages.host = await signedInPage(site.browser, baseUrl, undefined, zh);
  pages.longli = await signedInPage(site.browser, baseUrl, { username: 'tw-longli', password: 'longli-password-1' }, zh);
  pages.xima = await signedInPage(site.browser, baseUrl, { username: 'tw-xima', password: 'xima-password-123' }, zh);
  for (const p of Object.values(pages)) await p.goto(`${baseUrl}/meetings/${meetingId}`);
  // Everyone's peer id, from the server's view of the room.
  await waitFor('three participants', () => (site.stack.sfu.meetings.live(meetingId)?.size === 3 ? true : undefined), 30_000);
  for (const p of site.stack.sfu.meetings.live(meetingId)!.state().participants) peerIds[p.username] = p.peerId;
});

afterAll(async () => {
  for (const p of Object.values(pages)) await p?.context().close();
});

test('all three see and hear each other', async () => {
  const who = { host: 'admin', longli: 'tw-longli', xima: 'tw-xima' } as const;
  for (const [me, page] of Object.entries(pages)) {
    for (const [other, username] of Object.entries(who)) {
      if (other === me) continue;
      const peer = peerIds[username]!;
      await framesRising(page, `.meeting-tile[data-peer-id="${peer}"][data-source="camera"]`);
      await audioRising(page, peer);
    }
  }
  await shot(pages.host, 'meeting-grid');
  // The fake microphones beep: mediasoup's ActiveSpeakerObserver names a speaker, and the speaker layout shows them.
  const speaker = await waitFor('an active speaker', () => site.stack.sfu.meetings.live(meetingId)?.state().speaker, 20_000);
  await pages.xima.click('button[data-action="layout"]');
  await pages.xima.waitForFunction((peer) => {
    const main = document.querySelector('.meeting')?.getAttribute('data-main-tile');
    return main !== '' && main !== null && (main === peer || document.querySelector('.meeting-tile--speaking') !== null);
  }, speaker);
  await pages.xima.click('button[data-action="layout"]');
});

test('the host mutes one participant: their page says so and their sound stops', async () => {
  await hostAction('mute', peerIds['tw-longli']);
  await pages.longli.waitForSelector('[data-notice="mutedByHost"]');
  await pages.xima.waitForFunction(
    (peer) => document.querySelector(`.meeting-tile[data-peer-id="${peer}"] .meeting-mic--off`) !== null,
    peerIds['tw-longli'],
  );
  // The server paused the producer: after a moment, no more audio bytes reach the others.
  await pages.xima.waitForTimeout(1500);
  const sel = `audio[data-peer-id="${peerIds['tw-longli']}"]`;
  const before = await pages.xima.evaluate((s) => Number(document.querySelector(s)?.getAttribute('data-audio-bytes')), sel);
  await pages.xima.waitForTimeout(2500);
  const after = await pages.xima.evaluate((s) => Number(document.querySelector(s)?.getAttribute('data-audio-bytes')), sel);
  expect(after - before).toBeLessThan(500);
});

test('the host spotlights a participant: everyone\'s main tile changes', async () => {
  await hostAction('spotlight', peerIds['tw-xima']);
  for (const page of Object.values(pages)) {
    await page.waitForFunction((peer) => document.querySelector('.meeting')?.getAttribute('data-main-tile') === peer, peerIds['tw-xima']);
  }
  await framesRising(pages.longli, `.meeting__main .meeting-tile[data-peer-id="${peerIds['tw-xima']}"]`);
  await shot(pages.longli, 'meeting-speaker');
  // The command center's big screen (a display, receive-only) follows the spotlight full-bleed.
  const screen = await signedInPage(site.browser, site.stack.baseUrl, { username: 'hall-screen', password: 'hall-screen-pass' });
  try {
    await screen.goto(`${site.stack.baseUrl}/meetings/${meetingId}?view=screen`);
    await framesRising(screen, `.meeting--screen .meeting-tile[data-peer-id="${peerIds['tw-xima']}"]`);
    await hostAction('spotlight', peerIds['tw-longli']);
    await framesRising(screen, `.meeting--screen .meeting-tile[data-peer-id="${peerIds['tw-longli']}"]`);
    await hostAction('spotlight', peerIds['tw-xima']);
    await screen.waitForSelector(`.meeting--screen[data-main-tile="${peerIds['tw-xima']}"]`);
    // Receive-only: it sends nothing.
    const me = site.stack.sfu.meetings.live(meetingId)!.state().participants.find((p) => p.username === 'hall-screen');
    expect(me?.sources).toEqual({});
  } finally {
    await screen.context().close();
  }
});

test('roll call over three units: each is called and spotlighted in turn, answers kept, CSV exported', async () => {
  const host = pages.host;
  if (!(await host.locator('[data-panel="rollcall"]').count())) await host.click('button[data-action="rollcall"]');
  await host.click('button[data-action="rollcall-start"]');
  for (const page of Object.values(pages)) await page.waitForSelector('[data-rollcall-unit="longli"]');
  // 龙里镇 is called: its participant is everyone's main tile.
  for (const page of Object.values(pages)) {
    await page.waitForFunction((peer) => document.querySelector('.meeting')?.getAttribute('data-main-tile') === peer, peerIds['tw-longli']);
  }
  await host.click('button[data-answer="present"]');
  await pages.longli.waitForSelector('[data-rollcall-unit="xima"]');
  await host.waitForSelector('.rollcall-results tr[data-unit="longli"][data-answer="present"]');
  if (process.env.UPDATE_SCREENSHOTS) {
    await framesRising(host, `.meeting__main .meeting-tile[data-peer-id="${peerIds['tw-xima']}"]`, 5);
    await shot(host, 'meeting-rollcall');
  }
  await host.click('button[data-answer="no-audio"]');
  await pages.xima.waitForSelector('[data-rollcall-unit="gaozhai"]');
  await host.click('button[data-answer="absent"]');
  await host.waitForSelector('[data-rollcall-state="finished"]');
  const csv = await host.request.get(`${site.stack.baseUrl}/api/meetings/${meetingId}/rollcall.csv`);
  expect(csv.status()).toBe(200);
  const text = (await csv.text()).replace(/^\ufeff/, '');
  const lines = text.trim().split(/\r\n/);
  expect(lines[0]).toBe('unit_id,unit,kind,answer,time,recorded_by');
  expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
    'longli,龙里镇,township,present',
    'xima,洗马镇,township,no-audio',
    'gaozhai,高寨村,village,absent',
  ]);
  // Kept with the meeting in the store.
  const m = await api(site.stack.baseUrl, 'GET', `/api/meetings/${meetingId}`);
  expect((m.json as { rollCall: { results: unknown[] } }).rollCall.results).toHaveLength(3);
});

test('a screen share reaches the others', async () => {
  await pages.longli.click('button[data-action="screen"]');
  const sel = `.meeting-tile[data-peer-id="${peerIds['tw-longli']}"][data-source="screen"]`;
  await framesRising(pages.host, sel, 5);
  await framesRising(pages.xima, sel, 5);
  await pages.longli.click('button[data-action="screen"]');
  await pages.host.waitForSelector(sel, { state: 'detached' });
});

test('a site camera joins the meeting as a tile for everyone, and leaves', async () => {
  const host = pages.host;
  if (!(await host.locator('[data-panel="people"]').count())) await host.click('button[data-action="people"]');
  await host.selectOption('select[data-field="camera"]', 'bridge-pano');
  await host.click('button[data-action="camera-add"]');
  for (const page of Object.values(pages)) await framesRising(page, '.meeting-tile[data-camera-id="bridge-pano"]', 10);
  await host.click('li[data-meeting-camera="bridge-pano"] button[data-action="camera-remove"]');
  for (const page of Object.values(pages)) await page.waitForSelector('.meeting-tile[data-camera-id="bridge-pano"]', { state: 'detached' });
});

test('a participant whose transport the server closes is back within 5 s, without a reload', async () => {
  const room = site.stack.sfu.meetings.live(meetingId)!;
  const socketId = room.socketOf(peerIds['tw-xima']!)!;
  const peer = site.stack.sfu.rooms.get(`meeting:${meetingId}`)!.peer(socketId)!;
  const reloads: string[] = [];
  pages.xima.on('framenavigated', (f) => f === pages.xima.mainFrame() && reloads.push(f.url()));
  const tile = `.meeting-tile[data-peer-id="${peerIds['tw-xima']}"][data-source="camera"]`;
  const before = await pages.host.evaluate((sel) => document.querySelector(sel)?.getAttribute('data-consumer-id'), tile);
  const t0 = Date.now();
  peer.closeTransport(peer.transportIds[0]!);
  // The others get xima's camera again (a new consumer) and it decodes.
  await pages.host.waitForFunction(
    ({ sel, old }) => {
      const el = document.querySelector(sel);
      return el && el.getAttribute('data-consumer-id') !== old && Number(el.getAttribute('data-frames-decoded')) >= 5;
    },
    { sel: tile, old: before },
    { timeout: 15_000, polling: 100 },
  );
  await pages.xima.waitForSelector('.meeting[data-connection="live"]');
  const backMs = Date.now() - t0;
  expect(backMs).toBeLessThan(5000);
  expect(reloads).toEqual([]);
  // Same place: the same peer id, still one participant for xima.
  const s: MeetingState = room.state();
  expect(s.participants.filter((p) => p.username === 'tw-xima').map((p) => p.peerId)).toEqual([peerIds['tw-xima']]);
});

test('a guest without an account comes in through a link and the lobby', async () => {
  const host = pages.host;
  if (!(await host.locator('[data-panel="people"]').count())) await host.click('button[data-action="people"]');
  await host.fill('input[name="guest-name"]', '省水利厅 张专家');
  await host.click('.meeting-guests button[type="submit"]');
  const url = await (await host.waitForSelector('[data-guest-link]')).getAttribute('data-guest-link');
  const guestContext = await site.browser.newContext();
  try {
    const guest = await guestContext.newPage();
    await guest.goto(`${site.stack.baseUrl}${url}`);
    await guest.waitForSelector('.meeting[data-connection="lobby"]');
    await host.click('li[data-lobby] button[data-action="admit"]');
    await guest.waitForSelector('.meeting[data-connection="live"]');
    await framesRising(guest, `.meeting-tile[data-peer-id="${peerIds.admin}"][data-source="camera"]`);
    await host.waitForFunction(() => Array.from(document.querySelectorAll('li[data-participant]')).some((li) => li.textContent?.includes('省水利厅 张专家')));
  } finally {
    await guestContext.close();
  }
});

test('the host records the meeting: everyone sees it, and the file plays back in the browser', async () => {
  const host = pages.host;
  await host.click('button[data-action="record"]');
  for (const page of Object.values(pages)) await page.waitForSelector('[data-recording="true"]');
  await host.waitForTimeout(5000); // five seconds of meeting on record
  await host.click('button[data-action="record"]');
  for (const page of Object.values(pages)) await page.waitForSelector('[data-recording="true"]', { state: 'detached' });
  const list = await waitFor(`the recording uploaded (${await host.evaluate(() => document.querySelector('.meeting__bar')?.textContent)})`, async () => {
    const r = await host.request.get(`${site.stack.baseUrl}/api/meetings/${meetingId}/recordings`);
    const recs = (await r.json()) as { url: string; bytes: number }[];
    return recs.length === 1 && recs[0]!.bytes > 20_000 ? recs : undefined;
  });
  const file = await host.request.get(`${site.stack.baseUrl}${list[0]!.url}`);
  expect((await file.body()).subarray(0, 4).toString('hex')).toBe('1a45dfa3'); // WebM (EBML)
  if (!(await host.locator('[data-panel="people"]').count())) await host.click('button[data-action="people"]');
  await host.click('button[data-action="play-recording"]');
  await host.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('video[data-playing]');
    return v !== null && v.readyState >= 2 && v.videoWidth === 1280;
  }, undefined, { timeout: 15_000 });
});

test('the host ends the meeting: everyone is told, and it cannot be joined again', async () => {
  pages.host.once('dialog', (d) => void d.accept());
  await hostAction('end');
  for (const page of Object.values(pages)) await page.waitForSelector('.meeting--left[data-left="ended"]');
  const again = await api(site.stack.baseUrl, 'GET', `/api/meetings/${meetingId}`);
  expect((again.json as { status: string }).status).toBe('ended');
});
