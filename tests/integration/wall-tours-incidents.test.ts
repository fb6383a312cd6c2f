import type { AuditPage, Incident, Meeting, Plan, Screen, Tour } from '@county/shared';
import { addUsers, api, browserSocket, type Stack, startStack, waitFor } from '../support/stack';

type Sock = ReturnType<typeof browserSocket>;
const connected = (socket: Sock) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });

// Tours, incidents and emergency plans against the real server and its own Redis.
describe('wall tours, incidents and plans', () => {
  let stack: Stack;
  let restarted: Stack | undefined;
  const tokens: Record<string, string> = {};
  let console_: Sock;
  /** Every screen:updated the console heard, in order. */
  const heard: Screen[] = [];
  const base = () => (restarted ?? stack).baseUrl;
  const call = (method: string, path: string, body?: unknown) => api(base(), method, path, body);
  const as = (user: string, method: string, path: string, body?: unknown) => api(base(), method, path, body, { token: tokens[user] });
  const screen = async (id: string) => (await call('GET', `/api/screens/${id}`)).json as Screen;
  const tour = async (id: string) => ((await call('GET', '/api/tours')).json as Tour[]).find((t) => t.id === id);
  const tile0 = (s: Screen) => (s.tiles[0] && 'cameraId' in s.tiles[0] ? s.tiles[0].cameraId : undefined);

  beforeAll(async () => {
    stack = await startStack({ gateway: false, env: { TOUR_MIN_DWELL_S: '1' } });
    const admin = (path: string, body: unknown) => api(stack.baseUrl, 'POST', path, body);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/townships', { id: 'chengguan', name: '城关镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/sites', { id: 'school', name: '学校工地', townshipId: 'chengguan' });
    for (const [id, siteId, kind] of [
      ['cam-a', 'bridge', 'close'],
      ['cam-b', 'bridge', 'panorama'],
      ['cam-c', 'bridge', 'gate'],
      ['cam-d', 'school', 'panorama'],
      ['cam-e', 'school', 'close'],
    ]) {
      expect((await admin('/api/cameras', { id, name: id, url: `rtsp://127.0.0.1:1/${id}`, siteId, kind })).status).toBe(201);
    }
    const users = [
      { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli' },
      { username: 'wall-1', password: 'wall-pass-0001', role: 'display' },
      { username: 'op-li', password: 'operator-pass-1', role: 'operator' },
    ];
    Object.assign(tokens, await addUsers(stack.baseUrl, users));
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/main', { name: '主屏', layout: '2x2', tiles: [] })).status).toBe(200);
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/side', { name: '副屏', layout: '1', tiles: [] })).status).toBe(200);
    console_ = browserSocket(stack.baseUrl, tokens['op-li']);
    console_.on('screen:updated', (s) => heard.push(s));
    await connected(console_);
  });
  afterAll(async () => {
    console_?.close();
    if (restarted) {
      await restarted.stop();
      await stack.redis?.destroy();
    } else await stack?.stop();
  });

  const patrol = { id: 'patrol', name: '巡查', target: { screenId: 'main', tileIndex: 0 }, steps: [{ cameraId: 'cam-a' }, { cameraId: 'cam-b' }, { cameraId: 'cam-c' }], dwellS: 1 };

  it('saves a tour checked as a whole; refusals change nothing', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ ...patrol, steps: [{ cameraId: 'cam-a' }, { cameraId: 'nope' }] }, 400, /^step 2: unknown camera nope$/],
      [{ ...patrol, target: { screenId: 'ghost', tileIndex: 0 } }, 400, /unknown screen ghost/],
      [{ ...patrol, target: { screenId: 'main', tileIndex: 4 } }, 400, /has no tile 5/],
      [{ ...patrol, steps: [{ presetId: 'flood' }] }, 400, /one tile shows cameras only/],
      [{ ...patrol, target: { screenId: 'main' }, steps: [{ presetId: 'nope' }] }, 400, /unknown preset nope/],
      [{ ...patrol, dwellS: 0 }, 400, /dwellS/],
      [{ ...patrol, dwellS: 3601 }, 400, /dwellS/],
      [{ ...patrol, steps: [] }, 400, /steps/],
    ];
    for (const [input, status, message] of cases) {
      const r = await call('POST', '/api/tours', input);
      expect([input, r.status, (r.json as { message: string }).message]).toEqual([input, status, expect.stringMatching(message)]);
    }
    for (const user of ['wall-1', 'longli-clerk']) expect((await as(user, 'POST', '/api/tours', patrol)).status).toBe(403);
    expect((await call('GET', '/api/tours')).json).toEqual([]);

    const r = await as('op-li', 'POST', '/api/tours', patrol);
    expect([r.status, r.json]).toEqual([201, expect.objectContaining({ ...patrol, createdBy: 'op-li', state: expect.objectContaining({ running: false, step: 0 }) })]);
    expect((await as('op-li', 'POST', '/api/tours', patrol)).status).toBe(200);
    expect(((await as('wall-1', 'GET', '/api/tours')).json as Tour[]).map((t) => t.id)).toEqual(['patrol']);
  });

  it('refuses a dwell under TOUR_MIN_DWELL_S (5 s unless configured)', async () => {
    const strict = await startStack({ gateway: false });
    try {
      await api(strict.baseUrl, 'PUT', '/api/screens/main', { name: 'x', layout: '1', tiles: [] });
      await api(strict.baseUrl, 'POST', '/api/townships', { id: 't', name: 't' });
      await api(strict.baseUrl, 'POST', '/api/cameras', { id: 'x', name: 'x', url: 'rtsp://127.0.0.1:1/x' });
      const tourOf = (dwellS: number) => ({ id: 't', name: 't', target: { screenId: 'main' }, steps: [{ cameraId: 'x' }], dwellS });
      const r = await api(strict.baseUrl, 'POST', '/api/tours', tourOf(4));
      expect([r.status, (r.json as { message: string }).message]).toEqual([400, 'dwellS: at least 5 seconds']);
      expect((await api(strict.baseUrl, 'POST', '/api/tours', tourOf(5))).status).toBe(201);
    } finally {
      await strict.stop();
    }
  });

  it('runs a tour: tile 0 steps a, b, c, a ... pushed as screen:updated; stop halts it', async () => {
    for (const user of ['wall-1', 'longli-clerk']) expect((await as(user, 'POST', '/api/tours/patrol/start')).status).toBe(403);
    heard.length = 0;
    const started = await as('op-li', 'POST', '/api/tours/patrol/start');
    expect([started.status, started.json]).toEqual([200, expect.objectContaining({ state: expect.objectContaining({ running: true, step: 0, by: 'op-li' }) })]);
    const sequence = () => heard.filter((s) => s.id === 'main').map(tile0);
    await waitFor('four tour steps', () => sequence().length >= 4, 15_000);
    expect(sequence().slice(0, 4)).toEqual(['cam-a', 'cam-b', 'cam-c', 'cam-a']);
    expect(heard.filter((s) => s.id === 'main').every((s) => s.layout === '2x2' && s.updatedBy === 'tour:patrol')).toBe(true);
    expect((await tour('patrol'))?.state.running).toBe(true);

    const stopped = await as('op-li', 'POST', '/api/tours/patrol/stop');
    expect([stopped.status, stopped.json]).toEqual([200, expect.objectContaining({ state: expect.objectContaining({ running: false, by: 'op-li' }) })]);
    const shown = tile0(await screen('main'));
    const count = heard.length;
    await new Promise((r) => setTimeout(r, 2500)); // more than two dwells: no step may come
    expect(heard.length).toBe(count);
    expect(tile0(await screen('main'))).toBe(shown);
    expect((await tour('patrol'))?.state).toEqual(expect.objectContaining({ running: false, step: (await tour('patrol'))!.state.step }));
    expect((await call('POST', '/api/tours/nope/start')).status).toBe(404);
  });

  it('opens an incident: its cameras on its screen in the layout that fits them', async () => {
    const input = { title: '大桥渗水', townshipId: 'longli', siteId: 'bridge', cameraIds: ['cam-b', 'cam-a', 'cam-c', 'cam-d', 'cam-e'], severity: 'critical', screenId: 'side' };
    const before = await screen('side');
    const refusals: [unknown, RegExp][] = [
      [{ ...input, cameraIds: ['cam-a', 'nope'] }, /unknown camera nope/],
      [{ ...input, screenId: 'ghost' }, /unknown screen ghost/],
      [{ ...input, townshipId: 'nowhere' }, /unknown township nowhere/],
      [{ ...input, siteId: 'school' }, /site school is not in township longli/],
      [{ ...input, severity: 'apocalyptic' }, /severity/],
      [{ ...input, cameraIds: [] }, /cameraIds/],
    ];
    for (const [body, message] of refusals) {
      const r = await call('POST', '/api/incidents', body);
      expect([body, r.status, (r.json as { message: string }).message]).toEqual([body, 400, expect.stringMatching(message)]);
    }
    for (const user of ['wall-1', 'longli-clerk']) expect((await as(user, 'POST', '/api/incidents', input)).status).toBe(403);
    expect(await screen('side')).toEqual(before);
    expect((await call('GET', '/api/incidents')).json).toEqual([]);

    const r = await as('op-li', 'POST', '/api/incidents', input);
    expect([r.status, r.json]).toEqual([201, expect.objectContaining({ ...input, status: 'open', openedBy: 'op-li' })]);
    const side = await screen('side');
    // Five cameras: 1+5, the first in the big tile, the sixth tile empty.
    expect([side.layout, side.tiles]).toEqual(['1+5', [...input.cameraIds.map((cameraId) => ({ cameraId })), null]]);

    const layoutFor = async (n: number) => {
      const cameraIds = ['cam-a', 'cam-b', 'cam-c', 'cam-d', 'cam-e'].slice(0, n);
      const opened = await call('POST', '/api/incidents', { ...input, siteId: undefined, townshipId: 'chengguan', cameraIds, screenId: 'side', severity: 'info' });
      expect(opened.status).toBe(201);
      await call('POST', `/api/incidents/${(opened.json as Incident).id}/close`);
      return (await screen('side')).layout;
    };
    expect([await layoutFor(1), await layoutFor(3), await layoutFor(4)]).toEqual(['1', '2x2', '2x2']);
  });

  it('lists incidents by status within the caller\'s scope, and closes them', async () => {
    const open = (await call('GET', '/api/incidents?status=open')).json as Incident[];
    expect(open.map((i) => i.title)).toEqual(['大桥渗水']);
    const id = open[0]!.id;
    expect(((await as('longli-clerk', 'GET', '/api/incidents?status=open')).json as Incident[]).map((i) => i.id)).toEqual([id]);
    // The clerk of longli does not see chengguan's (closed) incidents; the operator sees all.
    expect(((await as('longli-clerk', 'GET', '/api/incidents')).json as Incident[]).map((i) => i.townshipId)).toEqual(['longli']);
    expect(((await as('op-li', 'GET', '/api/incidents?status=closed')).json as Incident[]).length).toBe(3);
    expect((await call('GET', '/api/incidents?status=bogus')).status).toBe(400);

    for (const user of ['wall-1', 'longli-clerk']) expect((await as(user, 'POST', `/api/incidents/${id}/close`)).status).toBe(403);
    const closed = await as('op-li', 'POST', `/api/incidents/${id}/close`);
    expect([closed.status, closed.json]).toEqual([200, expect.objectContaining({ id, status: 'closed', closedBy: 'op-li', closedAt: expect.any(String) })]);
    expect((await call('POST', `/api/incidents/${id}/close`)).status).toBe(409);
    expect((await call('POST', '/api/incidents/nope/close')).status).toBe(404);
    expect((await call('GET', '/api/incidents?status=open')).json).toEqual([]);

    const timeline = (await call('GET', `/api/audit?target=incident:${id}&limit=200`)).json as AuditPage;
    expect(timeline.entries.map((e) => `${e.action} ${e.actor} ${e.ok ? 'ok' : e.detail}`).reverse()).toEqual([
      'incident.open op-li ok',
      'incident.close wall-1 forbidden',
      'incident.close longli-clerk forbidden',
      'incident.close op-li ok',
      'incident.close admin conflict',
    ]);
  });

  it('saves emergency plans and runs one into an incident in one call', async () => {
    const flood: Plan = { id: 'flood-bridge', name: '大桥防汛', kind: 'flood', screenId: 'main', siteId: 'bridge' };
    const fire: Plan = { id: 'fire-school', name: '学校工地火灾', kind: 'site-fire', screenId: 'side', cameraIds: ['cam-e', 'cam-d'] };
    const bad: [unknown, RegExp][] = [
      [{ ...fire, cameraIds: ['nope'] }, /unknown camera nope/],
      [{ ...fire, screenId: 'ghost' }, /unknown screen ghost/],
      [{ ...flood, siteId: 'nowhere' }, /unknown site nowhere/],
      [{ ...flood, cameraIds: ['cam-a'] }, /one of them/],
      [{ ...flood, kind: 'meteor' }, /kind/],
    ];
    for (const [body, message] of bad) {
      const r = await call('POST', '/api/plans', body);
      expect([body, r.status, (r.json as { message: string }).message]).toEqual([body, 400, expect.stringMatching(message)]);
    }
    for (const user of ['wall-1', 'longli-clerk']) {
      expect((await as(user, 'POST', '/api/plans', flood)).status).toBe(403);
      expect((await as(user, 'POST', '/api/plans/flood-bridge/run', {})).status).toBe(403);
      expect((await as(user, 'DELETE', '/api/plans/flood-bridge')).status).toBe(403);
    }
    expect((await call('GET', '/api/plans')).json).toEqual([]);
    expect((await as('op-li', 'POST', '/api/plans', flood)).status).toBe(201);
    expect((await as('op-li', 'POST', '/api/plans', fire)).status).toBe(201);
    expect((await as('op-li', 'POST', '/api/plans', { ...fire, name: '学校火灾' })).status).toBe(200);
    // A township user sees its township's plans only (fire-school's cameras are chengguan's).
    expect(((await as('longli-clerk', 'GET', '/api/plans')).json as Plan[]).map((p) => p.id)).toEqual(['flood-bridge']);
    expect(((await call('GET', '/api/plans')).json as Plan[]).map((p) => p.id)).toEqual(['fire-school', 'flood-bridge']);

    const before = [await screen('main'), await screen('side')];
    expect((await call('POST', '/api/plans/nope/run', {})).status).toBe(404);
    expect((await call('POST', '/api/plans/flood-bridge/run', { townshipId: 'chengguan' })).status).toBe(400); // the site is longli's
    expect([await screen('main'), await screen('side')]).toEqual(before);

    // The site's streams, panorama first; township from the site; one request, no body needed.
    const run = await as('op-li', 'POST', '/api/plans/flood-bridge/run');
    expect([run.status, run.json]).toEqual([
      201,
      expect.objectContaining({ title: '大桥防汛', townshipId: 'longli', siteId: 'bridge', planId: 'flood-bridge', status: 'open', screenId: 'main', cameraIds: ['cam-b', 'cam-a', 'cam-c'] }),
    ]);
    const main = await screen('main');
    expect([main.layout, main.tiles]).toEqual(['2x2', [{ cameraId: 'cam-b' }, { cameraId: 'cam-a' }, { cameraId: 'cam-c' }, null]]);
    const incident = run.json as Incident;
    // A plan on a site also calls it: a meeting with the township center and the site's inspectors.
    const meeting = (await call('GET', `/api/meetings/${incident.meetingId}`)).json as Meeting;
    expect(meeting).toEqual(expect.objectContaining({ host: 'op-li', siteId: 'bridge', townshipIds: ['longli'], cameraIds: ['cam-a', 'cam-b', 'cam-c'] }));
    const fireRun = await call('POST', '/api/plans/fire-school/run', { title: '学校工地起火', severity: 'critical' });
    expect(fireRun.json).toEqual(expect.objectContaining({ title: '学校工地起火', townshipId: 'chengguan', severity: 'critical', cameraIds: ['cam-e', 'cam-d'] }));
    expect(((await call('GET', '/api/incidents?status=open')).json as Incident[]).map((i) => i.planId).sort()).toEqual(['fire-school', 'flood-bridge']);

    const timeline = (await call('GET', `/api/audit?target=incident:${incident.id}`)).json as AuditPage;
    expect(timeline.entries.map((e) => `${e.action} ${e.actor} ${e.ok}`)).toEqual(['plan.run op-li true']);
    expect((await call('DELETE', '/api/plans/fire-school')).status).toBe(204);
    expect((await call('DELETE', '/api/plans/fire-school')).status).toBe(404);
  });

  it('resumes a running tour after a restart on the same Redis, and close() does not hang on its timers', async () => {
    await call('PUT', '/api/screens/main', { name: '主屏', layout: '2x2', tiles: [] });
    expect((await call('POST', '/api/tours/patrol/start')).status).toBe(200);
    await waitFor('the tour past its first step', async () => ((await tour('patrol'))?.state.step ?? 0) >= 1, 10_000);
    console_.close();
    const t0 = Date.now();
    await stack.sfu.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
    restarted = await startStack({ gateway: false, env: { REDIS_URL: stack.redis!.url, TOUR_MIN_DWELL_S: '1' } });
    const at = (await tour('patrol'))!.state;
    expect(at.running).toBe(true);
    await waitFor('the resumed tour to step on', async () => {
      const now = (await tour('patrol'))!.state;
      return now.since !== at.since && now.running;
    }, 10_000);
    expect((await call('POST', '/api/tours/patrol/stop')).status).toBe(200);
    expect((await call('DELETE', '/api/tours/patrol')).status).toBe(204);
    expect((await call('GET', '/api/tours')).json).toEqual([]);
  });
});
