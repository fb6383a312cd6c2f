import { MAP_IMAGE_MAX_BYTES, type AuditPage, type SiteView, type Township } from '@county/shared';
import { addUsers, api, type Stack, startStack } from '../support/stack';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="10" height="10"/></svg>';

// The county map image and the map positions of sites and townships, against the real server and its own Redis.
describe('county map', () => {
  let stack: Stack;
  const tokens: Record<string, string> = {};
  const as = (user: string, method: string, path: string, body?: unknown) => api(stack.baseUrl, method, path, body, { token: tokens[user] });
  const upload = (user: string | undefined, type: string, body: Buffer | string) =>
    fetch(`${stack.baseUrl}/api/map/image`, {
      method: 'PUT',
      headers: { 'content-type': type, authorization: `Bearer ${user ? tokens[user] : stack.adminToken}` },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  const readImage = (token: string) => fetch(`${stack.baseUrl}/api/map/image`, { headers: { authorization: `Bearer ${token}` } });
  const auditOf = async (action: string, target: string) =>
    ((await api(stack.baseUrl, 'GET', `/api/audit?action=${action}&target=${target}`)).json as AuditPage).entries;
  const site = async (id: string) => ((await api(stack.baseUrl, 'GET', '/api/sites')).json as SiteView[]).find((s) => s.id === id);

  beforeAll(async () => {
    stack = await startStack({ gateway: false });
    const admin = (path: string, body: unknown) => api(stack.baseUrl, 'POST', path, body);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/sites', { id: 'placed', name: '已定位工地', townshipId: 'longli', position: { x: 0.25, y: 0.75 } });
    const users = [
      { username: 'op-li', password: 'operator-pass-1', role: 'operator' },
      { username: 'wall-1', password: 'wall-pass-0001', role: 'display' },
      { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli' },
    ];
    Object.assign(tokens, await addUsers(stack.baseUrl, users));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 404 while no image was uploaded (the UI falls back to its outline)', async () => {
    const r = await readImage(stack.adminToken);
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ code: 'not_found' });
  });

  it('stores an admin upload and serves it to every signed-in user', async () => {
    const put = await upload(undefined, 'image/png', PNG);
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ type: 'image/png', bytes: PNG.length, updatedBy: 'admin' });
    for (const token of [stack.adminToken, tokens['op-li']!, tokens['wall-1']!, tokens['longli-clerk']!]) {
      const r = await readImage(token);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await r.arrayBuffer()).equals(PNG)).toBe(true);
    }
    expect((await api(stack.baseUrl, 'GET', '/api/map/image', undefined, { token: null })).status).toBe(401);
    expect((await auditOf('map.image', 'map'))[0]).toMatchObject({ actor: 'admin', ok: true });
  });

  it('serves an SVG sandboxed, so a script in it cannot run as the app', async () => {
    expect((await upload(undefined, 'image/svg+xml', SVG)).status).toBe(200);
    const r = await readImage(tokens['op-li']!);
    expect(r.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(r.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe(SVG);
  });

  it('refuses uploads by operators, displays and township users, and audits the refusal', async () => {
    for (const user of ['op-li', 'wall-1', 'longli-clerk']) {
      const r = await upload(user, 'image/png', PNG);
      expect([user, r.status]).toEqual([user, 403]);
      expect((await as(user, 'DELETE', '/api/map/image')).status).toBe(403);
    }
    expect((await auditOf('map.image', 'map')).filter((e) => !e.ok && e.detail === 'forbidden').map((e) => e.actor)).toEqual(
      expect.arrayContaining(['op-li', 'wall-1', 'longli-clerk']),
    );
    expect(await (await readImage(stack.adminToken)).text()).toBe(SVG); // unchanged
  });

  it('refuses an oversize image with 413 and a wrong or lying type with 400, keeping the image', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAP_IMAGE_MAX_BYTES)]);
    const tooBig = await upload(undefined, 'image/png', big);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ code: 'bad_request', message: expect.stringContaining('larger than') });
    for (const [type, body] of [
      ['image/gif', Buffer.from('GIF89a....')],
      ['text/html', '<html><script>alert(1)</script></html>'],
      ['application/json', '{"a":1}'],
      ['image/png', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], // a JPEG called PNG
      ['image/jpeg', PNG],
      ['image/svg+xml', '<html><body>not svg</body></html>'],
      ['image/png', Buffer.alloc(0)],
    ] as const) {
      const r = await upload(undefined, type, body);
      expect([type, r.status]).toEqual([type, 400]);
      expect(await r.json()).toMatchObject({ code: 'bad_request' });
    }
    expect(await (await readImage(stack.adminToken)).text()).toBe(SVG);
  });

  it('goes back to the outline when the admin removes the image', async () => {
    expect((await api(stack.baseUrl, 'DELETE', '/api/map/image')).status).toBe(204);
    expect((await readImage(stack.adminToken)).status).toBe(404);
    expect((await api(stack.baseUrl, 'DELETE', '/api/map/image')).status).toBe(404);
  });

  it('lists sites with their map position and moves one (operators), audited as site.move', async () => {
    expect(await site('placed')).toMatchObject({ position: { x: 0.25, y: 0.75 } });
    expect((await site('bridge'))?.position).toBeUndefined();
    const r = await as('op-li', 'PATCH', '/api/sites/bridge', { position: { x: 0.5, y: 0.125 } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 'bridge', name: '大桥工地', townshipId: 'longli', position: { x: 0.5, y: 0.125 } });
    expect(await site('bridge')).toMatchObject({ position: { x: 0.5, y: 0.125 }, name: '大桥工地' });
    expect((await auditOf('site.move', 'bridge'))[0]).toMatchObject({ actor: 'op-li', ok: true });
    // null takes it off the map
    expect((await as('op-li', 'PATCH', '/api/sites/placed', { position: null })).status).toBe(200);
    expect((await site('placed'))?.position).toBeUndefined();
  });

  it('refuses bad positions with 400 and leaves the site where it was', async () => {
    for (const body of [
      { position: { x: 1.5, y: 0.5 } },
      { position: { x: -0.1, y: 0.5 } },
      { position: { x: 0.5 } },
      { position: { x: '0.5', y: 0.5 } },
      { position: { x: 0.5, y: 0.5, z: 1 } },
      { position: { x: 0.5, y: 0.5 }, name: 'renamed' },
      {},
    ]) {
      const r = await as('op-li', 'PATCH', '/api/sites/bridge', body);
      expect([body, r.status]).toEqual([body, 400]);
    }
    expect(await site('bridge')).toMatchObject({ position: { x: 0.5, y: 0.125 }, name: '大桥工地' });
    expect((await as('op-li', 'PATCH', '/api/sites/nope', { position: { x: 0.5, y: 0.5 } })).status).toBe(404);
    expect((await as('op-li', 'PATCH', '/api/sites/Bad_Id!', { position: { x: 0.5, y: 0.5 } })).status).toBe(400);
  });

  it('lets only camera managers move sites and township labels', async () => {
    for (const user of ['wall-1', 'longli-clerk']) {
      expect((await as(user, 'PATCH', '/api/sites/bridge', { position: { x: 0.9, y: 0.9 } })).status).toBe(403);
      expect((await as(user, 'PATCH', '/api/townships/longli', { position: { x: 0.9, y: 0.9 } })).status).toBe(403);
    }
    expect((await auditOf('site.move', 'bridge')).find((e) => e.actor === 'wall-1')).toMatchObject({ ok: false, detail: 'forbidden' });
    expect(await site('bridge')).toMatchObject({ position: { x: 0.5, y: 0.125 } });

    const r = await as('op-li', 'PATCH', '/api/townships/longli', { position: { x: 0.3, y: 0.4 } });
    expect(r.status).toBe(200);
    const townships = (await api(stack.baseUrl, 'GET', '/api/townships')).json as Township[];
    expect(townships.find((t) => t.id === 'longli')).toEqual({ id: 'longli', name: '龙里镇', position: { x: 0.3, y: 0.4 } });
    expect((await as('op-li', 'PATCH', '/api/townships/longli', { position: { x: 2, y: 0 } })).status).toBe(400);
    expect((await as('op-li', 'PATCH', '/api/townships/nowhere', { position: { x: 0, y: 0 } })).status).toBe(404);
    expect((await auditOf('township.move', 'longli'))[0]).toMatchObject({ actor: 'op-li', ok: true });
  });
});
