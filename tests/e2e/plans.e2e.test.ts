import type { Incident, Screen } from '@county/shared';
import { api, signedInPage } from '../support/stack';
import { waitTileLive, wallSite } from '../support/wallSite';


// An emergency plan end to end: one click in the console opens an incident and the screen
// page shows the plan's cameras live; closing the incident from the console.
describe('emergency plan run from the console in Chromium', () => {
  const site = wallSite({ prepare: async (stack) => {
      expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: '1', tiles: [{ text: '值班中' }] })).status).toBe(200);
      expect((await api(stack.baseUrl, 'POST', '/api/plans', { id: 'flood-bridge', name: '大桥防汛', kind: 'flood', screenId: 'hall', siteId: 'bridge' })).status).toBe(201);
    } });

  it('runs a plan in one click: the screen page shows its cameras live, the console lists the incident and closes it', async () => {
    const { stack, browser } = site;
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
    await waitTileLive(screen, 0, 'bridge-pano');
    await waitTileLive(screen, 1, 'bridge-close');
    expect(await screen.locator('.screen__grid .screen-tile').count()).toBe(4);
    const hall = (await api(stack.baseUrl, 'GET', '/api/screens/hall')).json as Screen;
    expect(hall.layout).toBe('2x2');

    const open = (await api(stack.baseUrl, 'GET', '/api/incidents?status=open')).json as Incident[];
    expect(open.map((i) => [i.title, i.planId])).toEqual([['大桥防汛', 'flood-bridge']]);
    const row = ops.locator(`[data-incident-id="${open[0]!.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-severity')).toBe('warning');
    // A plan on a site also called the site: the incident links its meeting.
    expect(await row.locator('a[data-action="meeting"]').getAttribute('href')).toBe(`/meetings/${open[0]!.meetingId}`);

    ops.once('dialog', (d) => void d.accept());
    await row.locator('button[data-action="close"]').click();
    await row.waitFor({ state: 'detached' });
    expect((await api(stack.baseUrl, 'GET', '/api/incidents?status=open')).json).toEqual([]);
    // Closing leaves the wall as it is.
    await waitTileLive(screen, 0, 'bridge-pano');

    // An incident without a plan: what the screen shows now, from the console's form.
    const form = ops.locator('form[data-form="incident"]');
    await form.locator('input[name="title"]').fill('大桥工地边坡滑塌');
    await form.locator('select[name="severity"]').selectOption('critical');
    await form.locator('button[type="submit"]').click();
    await ops.locator('[data-incident-id][data-severity="critical"]').waitFor();
    const opened = (await api(stack.baseUrl, 'GET', '/api/incidents?status=open')).json as Incident[];
    expect(opened.map((i) => [i.title, i.townshipId, i.siteId, i.cameraIds, i.planId])).toEqual([
      ['大桥工地边坡滑塌', 'longli', 'bridge', ['bridge-pano', 'bridge-close'], undefined],
    ]);
    await Promise.all([ops.context().close(), screen.context().close()]);
  });
});
