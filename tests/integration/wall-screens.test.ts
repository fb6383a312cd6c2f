import type { Ack, AuditPage, Screen, WallPreset } from '@county/shared';
import { addUsers, api, browserSocket, type Stack, startStack } from '../support/stack';

type Sock = ReturnType<typeof browserSocket>;
const connected = (socket: Sock) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
const joinRoom = (socket: Sock, roomId: string) => socket.timeout(5000).emitWithAck('room:join', { roomId }) as Promise<Ack<unknown>>;
/** The next `screen:updated` for `id` within `ms`, or undefined. */
const nextUpdate = (socket: Sock, id: string, ms = 1000) =>
  new Promise<Screen | undefined>((resolve) => {
    const timer = setTimeout(() => {
      socket.off('screen:updated', on);
      resolve(undefined);
    }, ms);
    const on = (s: Screen) => {
      if (s.id !== id) return;
      clearTimeout(timer);
      socket.off('screen:updated', on);
      resolve(s);
    };
    socket.on('screen:updated', on);
  });

// Screens, layouts and presets against the real server and its own Redis.
describe('wall screens and presets', () => {
  let stack: Stack;
  let restarted: Stack | undefined;
  const tokens: Record<string, string> = {};
  const sockets: Sock[] = [];
  const as = (user: string, method: string, path: string, body?: unknown) => api(stack.baseUrl, method, path, body, { token: tokens[user] });
  const socketAs = (user: string) => {
    const s = browserSocket(stack.baseUrl, tokens[user]);
    sockets.push(s);
    return s;
  };
  const screen = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/screens/${id}`)).json as Screen;

  beforeAll(async () => {
    stack = await startStack({ gateway: false, env: { WALL_PAGE_HOSTS: 'intranet.county.gov.cn, 10.0.0.5' } });
    const admin = (path: string, body: unknown) => api(stack.baseUrl, 'POST', path, body);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: 'rtsp://127.0.0.1:1/a', siteId: 'bridge' });
    await admin('/api/cameras', { id: 'bridge-gate', name: '大桥门口', url: 'rtsp://127.0.0.1:1/b', siteId: 'bridge' });
    const users = [
      { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli' },
      { username: 'wall-1', password: 'wall-pass-0001', role: 'display' },
      { username: 'op-li', password: 'operator-pass-1', role: 'operator' },
    ];
    Object.assign(tokens, await addUsers(stack.baseUrl, users));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    if (restarted) {
      await restarted.stop();
      await stack.redis?.destroy();
    } else await stack?.stop();
  });

  it('answers a screen nobody saved as an empty 2x2 named after its id', async () => {
    const r = await api(stack.baseUrl, 'GET', '/api/screens/lobby');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 'lobby', name: 'lobby', layout: '2x2', tiles: [null, null, null, null], updatedBy: '' });
    expect((await api(stack.baseUrl, 'GET', '/api/screens')).json).toEqual([]);
    expect((await api(stack.baseUrl, 'GET', '/api/screens/Not_A_Slug!')).status).toBe(400);
  });

  it('stores a screen as a whole and pads its tiles to the layout', async () => {
    const input = {
      name: '主屏',
      layout: '3x3',
      tiles: [{ cameraId: 'bridge-pano' }, null, { text: '防汛值班' }, { url: 'http://INTRANET.county.gov.cn/map' }, { url: 'https://10.0.0.5/x' }],
    };
    const r = await api(stack.baseUrl, 'PUT', '/api/screens/main', input);
    expect([r.status, r.json]).toEqual([200, expect.objectContaining({ id: 'main', name: '主屏', layout: '3x3', updatedBy: 'admin' })]);
    const saved = await screen('main');
    expect(saved).toEqual(r.json);
    expect(saved.tiles).toEqual([...input.tiles, null, null, null, null]);
    expect(Date.now() - Date.parse(saved.updatedAt)).toBeLessThan(60_000);
    expect(((await api(stack.baseUrl, 'GET', '/api/screens')).json as Screen[]).map((s) => s.id)).toEqual(['main']);
  });

  it('refuses a bad screen with 400 and leaves it unchanged', async () => {
    const before = await screen('main');
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', layout: '2x2', tiles: [{ cameraId: 'bridge-pano' }, { cameraId: 'nope' }] }, /^tile 2: unknown camera nope$/],
      [{ name: 'x', layout: '2x2', tiles: [null, null, null, null, { cameraId: 'bridge-pano' }] }, /layout 2x2 has 4 tiles, got 5/],
      [{ name: 'x', layout: '4x4', tiles: [null, null, { url: 'https://example.com/' }] }, /^tile 3: page host example\.com is not allowed \(WALL_PAGE_HOSTS\)$/],
      [{ name: 'x', layout: '5x5', tiles: [] }, /layout/],
      [{ name: 'x', layout: '1', tiles: [{ url: 'file:///etc/passwd' }] }, /tiles/],
      [{ name: 'x', layout: '1', tiles: [{ cameraId: 'bridge-pano', text: 'both' }] }, /tiles/],
      [{ name: '', layout: '1', tiles: [] }, /name/],
      [{ name: 'x', layout: '1', tiles: [], extra: 1 }, /extra|unrecognized/i],
    ];
    for (const [input, message] of cases) {
      const r = await api(stack.baseUrl, 'PUT', '/api/screens/main', input);
      expect([input, r.status, (r.json as { code: string }).code]).toEqual([input, 400, 'bad_request']);
      expect((r.json as { message: string }).message).toMatch(message);
      expect(await screen('main')).toEqual(before);
    }
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/main', 'not json')).status).toBe(400);
    expect(await screen('main')).toEqual(before);
  });

  it('lets admins and operators change screens; displays and townships get 403, no sign-in 401', async () => {
    const before = await screen('main');
    const change = { name: '主屏', layout: '1', tiles: [{ cameraId: 'bridge-gate' }] };
    for (const user of ['wall-1', 'longli-clerk']) {
      const r = await as(user, 'PUT', '/api/screens/main', change);
      expect([user, r.status, (r.json as { code: string }).code]).toEqual([user, 403, 'forbidden']);
      expect((await as(user, 'POST', '/api/screens/main/preset', { presetId: 'any' })).status).toBe(403);
      expect((await as(user, 'POST', '/api/presets', { id: 'p', name: 'p', layout: '1', tiles: [] })).status).toBe(403);
      expect((await as(user, 'DELETE', '/api/presets/p')).status).toBe(403);
      // Both may look.
      expect((await as(user, 'GET', '/api/screens/main')).json).toEqual(before);
      expect((await as(user, 'GET', '/api/presets')).status).toBe(200);
    }
    for (const [method, path] of [
      ['GET', '/api/screens'],
      ['GET', '/api/screens/main'],
      ['PUT', '/api/screens/main'],
      ['GET', '/api/presets'],
      ['POST', '/api/presets'],
      ['DELETE', '/api/presets/p'],
      ['POST', '/api/screens/main/preset'],
    ]) {
      const r = await api(stack.baseUrl, method!, path!, method === 'PUT' || method === 'POST' ? change : undefined, { token: null });
      expect([path, r.status]).toEqual([path, 401]);
    }
    expect(await screen('main')).toEqual(before);
    const r = await as('op-li', 'PUT', '/api/screens/main', change);
    expect([r.status, r.json]).toEqual([200, expect.objectContaining({ layout: '1', tiles: [{ cameraId: 'bridge-gate' }], updatedBy: 'op-li' })]);
  });

  it('saves, applies and deletes presets', async () => {
    const flood = { id: 'flood', name: '防汛', layout: '1+5', tiles: [{ cameraId: 'bridge-pano' }, { text: '水位 2.1 m' }] };
    const created = await api(stack.baseUrl, 'POST', '/api/presets', flood);
    expect([created.status, created.json]).toEqual([201, { ...flood, tiles: [...flood.tiles, null, null, null, null] }]);
    // Saving under the same id replaces it.
    const replaced = await api(stack.baseUrl, 'POST', '/api/presets', { ...flood, tiles: [{ cameraId: 'bridge-gate' }] });
    expect(replaced.status).toBe(200);
    expect((await api(stack.baseUrl, 'GET', '/api/presets')).json as WallPreset[]).toEqual([
      { ...flood, tiles: [{ cameraId: 'bridge-gate' }, null, null, null, null, null] },
    ]);
    const bad = await api(stack.baseUrl, 'POST', '/api/presets', { ...flood, id: 'bad', tiles: [{ url: 'http://evil.example/' }] });
    expect([bad.status, (bad.json as { message: string }).message]).toEqual([400, 'tile 1: page host evil.example is not allowed (WALL_PAGE_HOSTS)']);
    expect(((await api(stack.baseUrl, 'GET', '/api/presets')).json as WallPreset[]).map((p) => p.id)).toEqual(['flood']);

    const name = (await screen('main')).name;
    const applied = await as('op-li', 'POST', '/api/screens/main/preset', { presetId: 'flood' });
    expect([applied.status, applied.json]).toEqual([
      200,
      expect.objectContaining({ id: 'main', name, layout: '1+5', tiles: [{ cameraId: 'bridge-gate' }, null, null, null, null, null], updatedBy: 'op-li' }),
    ]);
    expect(await screen('main')).toEqual(applied.json);

    const before = await screen('main');
    expect((await api(stack.baseUrl, 'POST', '/api/screens/main/preset', { presetId: 'nope' })).status).toBe(404);
    expect((await api(stack.baseUrl, 'DELETE', '/api/presets/flood')).status).toBe(204);
    expect((await api(stack.baseUrl, 'DELETE', '/api/presets/flood')).status).toBe(404);
    expect((await api(stack.baseUrl, 'POST', '/api/screens/main/preset', { presetId: 'flood' })).status).toBe(404);
    expect((await api(stack.baseUrl, 'GET', '/api/presets')).json).toEqual([]);
    expect(await screen('main')).toEqual(before);
  });

  it('pushes screen:updated to the screen page and to county-wide consoles, not to other rooms', async () => {
    const page = socketAs('wall-1');
    const console_ = socketAs('op-li');
    const clerk = socketAs('longli-clerk');
    await Promise.all([connected(page), connected(console_), connected(clerk)]);
    expect(await joinRoom(page, 'wall:lobby')).toMatchObject({ ok: true });
    // A township user watching another screen is neither in wall:lobby nor county-wide.
    expect(await joinRoom(clerk, 'wall:longli')).toMatchObject({ ok: true });

    const heard = [nextUpdate(page, 'lobby'), nextUpdate(console_, 'lobby'), nextUpdate(clerk, 'lobby')];
    const r = await api(stack.baseUrl, 'PUT', '/api/screens/lobby', { name: '大厅', layout: '2x2', tiles: [{ cameraId: 'bridge-pano' }] });
    expect(r.status).toBe(200);
    const [onPage, onConsole, onClerk] = await Promise.all(heard);
    expect(onPage).toEqual(r.json);
    expect(onConsole).toEqual(r.json);
    expect(onClerk).toBeUndefined();

    // A refused change pushes nothing.
    const none = nextUpdate(page, 'lobby', 500);
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/lobby', { name: 'x', layout: '1', tiles: [{ cameraId: 'nope' }] })).status).toBe(400);
    expect(await none).toBeUndefined();
  });

  it('audits every change and refusal with its actor', async () => {
    const page = (await api(stack.baseUrl, 'GET', '/api/audit?action=wall.change&target=main&limit=200')).json as AuditPage;
    const lines = page.entries.map((e) => `${e.actor} ${e.ok ? 'ok' : e.detail}`);
    expect(lines).toEqual(expect.arrayContaining(['admin ok', 'op-li ok', 'wall-1 forbidden', 'longli-clerk forbidden', 'admin bad_request', 'admin not_found']));
    const presets = (await api(stack.baseUrl, 'GET', '/api/audit?action=wall.preset&limit=200')).json as AuditPage;
    expect(presets.entries.map((e) => `${e.actor} ${e.target} ${e.ok}`)).toEqual(expect.arrayContaining(['admin flood true', 'admin bad false']));
    const deletes = (await api(stack.baseUrl, 'GET', '/api/audit?action=wall.preset.delete&limit=200')).json as AuditPage;
    expect(deletes.entries.map((e) => `${e.actor} ${e.target} ${e.ok}`)).toEqual(expect.arrayContaining(['admin flood true', 'admin flood false']));
  });

  it('keeps screens across a restart on the same Redis', async () => {
    const main = await screen('main');
    const lobby = await screen('lobby');
    for (const s of sockets) s.close();
    await stack.sfu.close();
    restarted = await startStack({ gateway: false, env: { REDIS_URL: stack.redis!.url } });
    const get = (id: string) => api(restarted!.baseUrl, 'GET', `/api/screens/${id}`);
    expect((await get('main')).json).toEqual(main);
    expect((await get('lobby')).json).toEqual(lobby);
    expect(((await api(restarted.baseUrl, 'GET', '/api/screens')).json as Screen[]).map((s) => s.id)).toEqual(['lobby', 'main']);
  });
});
