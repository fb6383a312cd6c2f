import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startFakeOnvif, type FakeOnvifCamera } from '../support/fakeOnvif';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, signedInPage, startStack, waitFor, type Stack } from '../support/stack';

// An inspector's phone: one camera page with live video, PTZ presets and today's recordings.
// PTZ goes to a fake ONVIF device (a physical PTZ camera cannot run here).
describe('camera page on a phone', () => {
  let stack: Stack;
  let camera: SimCamera;
  let ptz: FakeOnvifCamera;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-page-test-'));
    camera = await startSimCamera({ mounts: ['/crane'] });
    ptz = await startFakeOnvif({ username: 'u', password: 'p', presets: [{ token: '1', name: 'panorama' }, { token: '2', name: 'close' }] });
    stack = await startStack({ ui: true, env: { RECORDINGS_DIR: dir, RECORDING_SEGMENT_S: '2' } });
    browser = await launchChromium();
    await api(stack.baseUrl, 'POST', '/api/cameras', {
      id: 'crane',
      name: '塔吊',
      url: camera.url(),
      record: true,
      onvif: { url: ptz.url, username: 'u', password: 'p' },
    });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'crane')) === 'online');
    await waitFor('a recording', async () => {
      const list = (await api(stack.baseUrl, 'GET', '/api/cameras/crane/recordings')).json as unknown[];
      return list.length >= 2 ? true : undefined;
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await ptz?.stop();
    await camera?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows live video, moves the camera to a preset and plays a recording', async () => {
    const page = await signedInPage(browser, stack.baseUrl, undefined, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    await page.goto(`${stack.baseUrl}/cameras/crane`);
    await page.waitForFunction(
      () => Number(document.querySelector('[data-camera-id="crane"]')?.getAttribute('data-frames-decoded')) > 10,
      null,
      { timeout: 20_000 },
    );
    await page.getByRole('button', { name: '近景' }).click();
    await waitFor('GotoPreset', () => ptz.calls.some((c) => c.action === 'GotoPreset' && c.presetToken === '2'), 5000);
    await page.getByText('已转到 close').waitFor();

    await page.locator('.camera-page__recordings button').first().click();
    await page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('.camera-page__playback');
      return !!v && v.currentTime > 0.3 && v.videoWidth > 0;
    }, null, { timeout: 15_000 });
    await page.context().close();
  });
});
