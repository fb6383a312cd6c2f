/**
 * Calling a site: the operator presses 呼叫现场 on the site in the console's camera tree; the
 * site's inspector, on the camera page of their phone (mobile viewport), hears it ring,
 * accepts, and is in a meeting that already shows the site's camera and the caller.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { api, signedInPage } from '../support/stack';
import { wallSite } from '../support/wallSite';

jest.setTimeout(180_000);

const site = wallSite({
  prepare: async (stack) => {
    const r = await api(stack.baseUrl, 'POST', '/api/users', { username: 'inspector-li', password: 'inspector-pass-1', role: 'inspector', siteIds: ['bridge'], displayName: '李工' });
    expect(r.status).toBe(201);
  },
});

let operator: Page;
let phone: Page;

afterAll(async () => {
  await operator?.context().close();
  await phone?.context().close();
});

async function framesRising(page: Page, selector: string, more = 10): Promise<void> {
  await page.waitForFunction(
    ({ sel, min }) => Number(document.querySelector(sel)?.getAttribute('data-frames-decoded') ?? 0) >= min,
    { sel: selector, min: more },
    { timeout: 30_000, polling: 200 },
  );
}

test('a call to a site rings the inspector\'s phone page and, accepted, shows the site camera and the caller', async () => {
  const { baseUrl } = site.stack;
  phone = await signedInPage(site.browser, baseUrl, { username: 'inspector-li', password: 'inspector-pass-1' }, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    locale: 'zh-CN',
  });
  await phone.goto(`${baseUrl}/cameras/bridge-pano`);
  await phone.waitForSelector('.tile[data-camera-id="bridge-pano"], figure[data-camera-id="bridge-pano"]');

  operator = await signedInPage(site.browser, baseUrl, undefined, { locale: 'zh-CN' });
  await operator.goto(`${baseUrl}/console`);
  await operator.click('li.camera-tree__site[data-site-id="bridge"] button[data-action="call-site"]');
  await operator.waitForURL(/\/meetings\/call-bridge-/);
  const meetingId = new URL(operator.url()).pathname.split('/').pop()!;

  // The phone rings with the site's name, and accepting opens the meeting.
  const ringing = await phone.waitForSelector(`.incoming-call[data-meeting-id="${meetingId}"]`, { timeout: 15_000 });
  expect(await ringing.textContent()).toContain('大桥工地');
  if (process.env.UPDATE_SCREENSHOTS) await phone.screenshot({ path: path.resolve(__dirname, '../../docs/phone-call.png') });
  await phone.click('.incoming-call button[data-action="accept"]');
  await phone.waitForURL(new RegExp(`/meetings/${meetingId}$`));

  // The site's cameras are already in the meeting, and the caller is there.
  await framesRising(phone, '.meeting-tile[data-camera-id="bridge-pano"]');
  await framesRising(phone, '.meeting-tile[data-camera-id="bridge-close"]');
  const host = site.stack.sfu.meetings.live(meetingId)!.state().participants.find((p) => p.username === 'admin')!;
  await framesRising(phone, `.meeting-tile[data-peer-id="${host.peerId}"][data-source="camera"]`);
  // And the caller sees the inspector.
  const inspector = site.stack.sfu.meetings.live(meetingId)!.state().participants.find((p) => p.username === 'inspector-li')!;
  expect(inspector.unit).toEqual({ kind: 'site', id: 'bridge', name: '大桥工地' });
  await framesRising(operator, `.meeting-tile[data-peer-id="${inspector.peerId}"][data-source="camera"]`);
  if (process.env.UPDATE_SCREENSHOTS) await phone.screenshot({ path: path.resolve(__dirname, '../../docs/phone-meeting.png') });
  // Portrait: the page fits the phone's width (no sideways scrolling).
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
