import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { ADMIN_PASSWORD, api, freePort, login, startStack, waitFor, type Stack } from '../support/stack';


// A township PC: the server generates its certificate from the county CA; Chromium trusts the
// CA (as docs/tls.md tells a PC to), opens the wall over HTTPS, is sent to the login form, signs
// in and comes back to the wall, which plays. UPDATE_SCREENSHOTS=1 refreshes docs/*.png.
describe('signing in over HTTPS in Chromium', () => {
  let camera: SimCamera;
  let stack: Stack;
  let browser: Browser;
  let dataDir: string;
  let local: string; // plain HTTP on 127.0.0.1 beside the TLS listener, for the test's own API calls
  let token: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-login-e2e-'));
    const localPort = await freePort();
    camera = await startSimCamera({ mounts: ['/gate', '/yard'] });
    stack = await startStack({ ui: true, env: { TLS: 'on', DATA_DIR: dataDir, LOCAL_HTTP_PORT: String(localPort) } });
    local = `http://127.0.0.1:${localPort}`;
    token = await login(local, 'admin', ADMIN_PASSWORD);
    const admin = (p: string, body: unknown) => api(local, 'POST', p, body, { token });
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/townships', { id: 'xima', name: '洗马镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/sites', { id: 'school', name: '学校工地', townshipId: 'xima' });
    await admin('/api/cameras', { id: 'gate', name: '大桥大门', url: camera.url('/gate'), siteId: 'bridge', pull: 'always' });
    await admin('/api/cameras', { id: 'yard', name: '学校操场', url: camera.url('/yard'), siteId: 'school', pull: 'always' });
    await admin('/api/users', { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli', displayName: '龙里镇值班员' });
    await admin('/api/users', { username: 'inspector-wang', password: 'inspector-pass-1', role: 'inspector', siteIds: ['school'], displayName: '王工' });
    await admin('/api/users', { username: 'wall-1', password: 'wall-pass-0001', role: 'display', displayName: '指挥中心大屏 1' });
    for (const id of ['gate', 'yard']) await waitFor(`${id} online`, async () => (await cameraStatusAt(id)) === 'online', 45_000);
    browser = await launchChromium({ trustCaCert: path.join(dataDir, 'tls', 'ca.crt') });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await camera?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const cameraStatusAt = async (id: string) => ((await api(local, 'GET', `/api/cameras/${id}`, undefined, { token })).json as { status?: string }).status;
  const httpsUrl = () => stack.baseUrl.replace('127.0.0.1', 'localhost');

  it('serves HTTPS with a certificate the county CA signed, and the CA for download', async () => {
    expect(stack.baseUrl).toMatch(/^https:/);
    const ca = await api(local, 'GET', '/ca.crt', undefined, { token: null });
    expect(ca.text).toMatch(/BEGIN CERTIFICATE/);
    expect(ca.text).toBe(fs.readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8'));
  });

  it('sends a visitor to the login form and back to the wall, which plays', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${httpsUrl()}/wall`);
    await page.waitForURL(/\/login\?next=%2Fwall/);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: path.resolve(__dirname, '../../docs/login.png') });

    await page.fill('input[name="username"]', 'longli-clerk');
    await page.fill('input[name="password"]', 'wrong-password');
    await page.click('.login__form button[type="submit"]');
    await page.locator('.login__error').waitFor();

    await page.fill('input[name="password"]', 'longli-pass-1');
    await page.click('.login__form button[type="submit"]');
    await page.waitForURL(/\/wall$/);
    await page.waitForFunction(() => Number(document.querySelector('[data-camera-id="gate"]')?.getAttribute('data-frames-decoded')) > 10, null, {
      timeout: 30_000,
    });
    // The township clerk's wall holds its own township's camera only.
    expect(await page.locator('[data-camera-id="yard"]').count()).toBe(0);
    await context.close();
  });

  it('shows admins the users page', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${httpsUrl()}/admin/users`);
    await page.waitForURL(/\/login/);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', ADMIN_PASSWORD);
    await page.click('.login__form button[type="submit"]');
    await page.waitForURL(/\/admin\/users$/);
    await page.locator('table.users__table tbody tr[data-username="longli-clerk"]').waitFor();
    expect(await page.locator('table.users__table tbody tr').count()).toBe(4);
    if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: path.resolve(__dirname, '../../docs/users.png'), fullPage: true });
    await page.goto(`${httpsUrl()}/admin/audit`);
    await page.locator('table.audit__table tbody tr[data-action="login.failed"]').first().waitFor();
    if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: path.resolve(__dirname, '../../docs/audit.png'), fullPage: true });
    await context.close();
  });
});
