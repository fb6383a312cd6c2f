import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import type { Ack } from '@county/shared';
import { addUsers, api, browserSocket, login, type Stack, startStack, waitFor } from '../support/stack';

type Sock = ReturnType<typeof browserSocket>;
const emit = (socket: Sock, event: string, payload: unknown) =>
  socket.timeout(5000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<unknown>>;
const connected = (socket: Sock) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
/** The handshake's refusal message; the socket is closed either way (no reconnection left running). */
const refused = (socket: Sock) =>
  new Promise<string>((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (err) => resolve(err.message));
  }).finally(() => socket.close());

// Accounts, roles and township scoping against the real server and its own Redis.
describe('who may see and do what', () => {
  let stack: Stack;
  const tokens: Record<string, string> = {};
  const sockets: Sock[] = [];
  const as = (user: string, method: string, path: string, body?: unknown) => api(stack.baseUrl, method, path, body, { token: tokens[user] });
  const socketAs = (user: string) => {
    const s = browserSocket(stack.baseUrl, tokens[user]);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    stack = await startStack({ gateway: false });
    const admin = (path: string, body: unknown) => api(stack.baseUrl, 'POST', path, body);
    await admin('/api/townships', { id: 'longli', name: '龙里镇' });
    await admin('/api/townships', { id: 'xima', name: '洗马镇' });
    await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
    await admin('/api/sites', { id: 'school', name: '学校工地', townshipId: 'xima' });
    await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: 'rtsp://127.0.0.1:1/a', siteId: 'bridge', onvif: { url: 'http://127.0.0.1:1/onvif/device_service' } });
    await admin('/api/cameras', { id: 'school-pano', name: '学校全景', url: 'rtsp://127.0.0.1:1/b', siteId: 'school', onvif: { url: 'http://127.0.0.1:1/onvif/device_service' } });
    await admin('/api/meetings', { id: 'xima-weekly', title: '洗马镇周例会', townshipIds: ['xima'] });
    await admin('/api/meetings', { id: 'county-all', title: '全县调度会' });
    const users = [
      { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli' },
      { username: 'inspector-wang', password: 'inspector-pass-1', role: 'inspector', siteIds: ['school'] },
      { username: 'wall-1', password: 'wall-pass-0001', role: 'display' },
      { username: 'op-li', password: 'operator-pass-1', role: 'operator' },
    ];
    Object.assign(tokens, await addUsers(stack.baseUrl, users));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack.stop();
  });

  it('answers 401 to requests and sockets without a valid sign-in', async () => {
    for (const [method, path] of [
      ['GET', '/api/cameras'],
      ['GET', '/api/cameras/bridge-pano/snapshot.jpg'],
      ['GET', '/api/cameras/bridge-pano/hls/index.m3u8'],
      ['POST', '/api/cameras'],
      ['GET', '/api/users'],
      ['GET', '/api/audit'],
      ['GET', '/api/me'],
    ]) {
      const r = await api(stack.baseUrl, method!, path!, method === 'POST' ? {} : undefined, { token: null });
      expect([path, r.status, r.json]).toEqual([path, 401, expect.objectContaining({ code: 'unauthorized' })]);
      expect((await api(stack.baseUrl, method!, path!, undefined, { token: 'not.a.token' })).status).toBe(401);
    }
    expect(await refused(browserSocket(stack.baseUrl, null))).toBe('unauthorized');
    expect(await refused(browserSocket(stack.baseUrl, 'garbage'))).toBe('unauthorized');
  });

  it('refuses an expired token, and one signed with another key', async () => {
    // Tokens are signed with the key the server keeps in Redis: make one that expired a minute ago.
    const redis = new Redis({ path: stack.redis!.url.slice('unix://'.length) });
    const secret = Buffer.from((await redis.get('cv:auth:secret'))!, 'base64');
    redis.disconnect();
    const me = (await as('op-li', 'GET', '/api/me')).json as { username: string };
    expect(me.username).toBe('op-li');
    const sid = JSON.parse(Buffer.from(tokens['op-li']!.split('.')[1]!, 'base64url').toString()).sid as string;
    const sign = (key: Uint8Array, exp: number) =>
      new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject('op-li').setIssuer('county-video').setIssuedAt(exp - 900).setExpirationTime(exp).sign(key);
    const now = Math.floor(Date.now() / 1000);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token: await sign(secret, now + 600) })).status).toBe(200); // the forgery works when fresh...
    const expired = await sign(secret, now - 60);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token: expired })).status).toBe(401); // ...and not when expired
    expect(await refused(browserSocket(stack.baseUrl, expired))).toBe('unauthorized');
    const foreign = await sign(new Uint8Array(32).fill(7), now + 600);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token: foreign })).status).toBe(401);
  });

  it('shows a township user only its township, and 403 for everything of another', async () => {
    const ids = (r: { json: unknown }) => (r.json as { id: string }[]).map((x) => x.id).sort();
    expect(ids(await as('longli-clerk', 'GET', '/api/cameras'))).toEqual(['bridge-pano']);
    expect(ids(await as('longli-clerk', 'GET', '/api/sites'))).toEqual(['bridge']);
    expect(ids(await as('longli-clerk', 'GET', '/api/townships'))).toEqual(['longli']);
    expect(ids(await as('longli-clerk', 'GET', '/api/meetings'))).toEqual(['county-all']);
    expect((await as('longli-clerk', 'GET', '/api/cameras/bridge-pano')).status).toBe(200);
    expect((await as('longli-clerk', 'GET', '/api/cameras/bridge-pano/recordings')).status).toBe(200);
    const other: [string, string, unknown?][] = [
      ['GET', '/api/cameras/school-pano'],
      ['GET', '/api/cameras/school-pano/snapshot.jpg'],
      ['GET', '/api/cameras/school-pano/hls/index.m3u8'],
      ['GET', '/api/cameras/school-pano/recordings'],
      ['GET', '/api/cameras/school-pano/recordings/2026-11-25T01-00-00Z.mp4'],
      ['GET', '/api/cameras/school-pano/ptz/presets'],
      ['POST', '/api/cameras/school-pano/ptz/goto', { name: 'close' }],
      ['POST', '/api/cameras/school-pano/ptz/presets', { name: 'gate' }],
      ['PUT', '/api/cameras/school-pano/recording', { enabled: true }],
      ['DELETE', '/api/cameras/school-pano'],
      ['GET', '/api/meetings/xima-weekly'],
    ];
    for (const [method, path, body] of other) {
      const r = await as('longli-clerk', method, path, body);
      expect([method, path, r.status, r.json]).toEqual([method, path, 403, expect.objectContaining({ code: 'forbidden' })]);
    }
    // The inspector, scoped to the school site, is the mirror image.
    expect(ids(await as('inspector-wang', 'GET', '/api/cameras'))).toEqual(['school-pano']);
    expect((await as('inspector-wang', 'GET', '/api/cameras/bridge-pano/snapshot.jpg')).status).toBe(403);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/school-pano')).json).toMatchObject({ record: false });
  });

  it('scopes socket.io the same way: rooms, consume, watch and camera news', async () => {
    const clerk = socketAs('longli-clerk');
    await connected(clerk);
    const joined = await emit(clerk, 'room:join', { roomId: 'wall:longli' });
    expect(joined.ok && (joined.data as { cameras: { id: string }[] }).cameras.map((c) => c.id)).toEqual(['bridge-pano']);
    const transport = (await emit(clerk, 'transport:create', { direction: 'recv' })) as Ack<{ id: string }>;
    const consume = await emit(clerk, 'camera:consume', {
      transportId: transport.ok ? transport.data.id : '',
      cameraId: 'school-pano',
      rtpCapabilities: { codecs: [] },
    });
    expect(consume).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(clerk, 'camera:watch', { cameraIds: ['bridge-pano', 'school-pano'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(clerk, 'room:join', { roomId: 'meeting:xima-weekly' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(clerk, 'room:join', { roomId: 'meeting:county-all' })).toMatchObject({ ok: true });

    // News of the other township's camera never reaches the clerk; its own does.
    const heard: string[] = [];
    clerk.on('camera:updated', (c) => heard.push(c.id));
    clerk.on('camera:health', (batch) => heard.push(...batch.map((b) => b.id)));
    expect((await api(stack.baseUrl, 'PUT', '/api/cameras/school-pano/recording', { enabled: false })).status).toBe(200);
    expect((await api(stack.baseUrl, 'PUT', '/api/cameras/bridge-pano/recording', { enabled: false })).status).toBe(200);
    await waitFor('the clerk hears its own camera', () => heard.includes('bridge-pano'));
    expect(heard).not.toContain('school-pano');
  });

  it('lets a display screen watch and change nothing', async () => {
    expect(((await as('wall-1', 'GET', '/api/cameras')).json as unknown[]).length).toBe(2);
    const changes: [string, string, unknown?][] = [
      ['POST', '/api/cameras', { id: 'x', name: 'x', url: 'rtsp://127.0.0.1:1/x' }],
      ['DELETE', '/api/cameras/bridge-pano'],
      ['PUT', '/api/cameras/bridge-pano/recording', { enabled: true }],
      ['POST', '/api/cameras/bridge-pano/ptz/goto', { name: 'close' }],
      ['POST', '/api/townships', { id: 'x', name: 'x' }],
      ['POST', '/api/sites', { id: 'x', name: 'x', townshipId: 'longli' }],
      ['POST', '/api/meetings', { id: 'x', title: 'x' }],
      ['DELETE', '/api/meetings/county-all'],
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'x1', password: 'password-1', role: 'admin' }],
      ['POST', '/api/users/wall-1/revoke'],
      ['GET', '/api/audit'],
    ];
    for (const [method, path, body] of changes) {
      expect([method, path, (await as('wall-1', method, path, body)).status]).toEqual([method, path, 403]);
    }
    const wall = socketAs('wall-1');
    await connected(wall);
    expect(await emit(wall, 'room:join', { roomId: 'wall:main' })).toMatchObject({ ok: true });
    expect(((await api(stack.baseUrl, 'GET', '/api/cameras')).json as unknown[]).length).toBe(2);
    // The operator runs cameras but not accounts.
    expect((await as('op-li', 'GET', '/api/users')).status).toBe(403);
  });

  it('rotates refresh tokens, and logout or revocation ends the session and its sockets at once', async () => {
    const first = await api(stack.baseUrl, 'POST', '/api/login', { username: 'wall-1', password: 'wall-pass-0001' }, { token: null });
    const { refreshToken, refreshExpiresAt } = first.json as { refreshToken: string; refreshExpiresAt: string };
    // A screen stays signed in for months.
    expect(Date.parse(refreshExpiresAt) - Date.now()).toBeGreaterThan(300 * 86_400_000);
    expect(first.headers.get('set-cookie')).toMatch(/cv_refresh=.*HttpOnly/i);
    const refreshed = await api(stack.baseUrl, 'POST', '/api/refresh', { refreshToken }, { token: null });
    expect(refreshed.status).toBe(200);
    expect((await api(stack.baseUrl, 'POST', '/api/refresh', { refreshToken }, { token: null })).status).toBe(401); // used up
    const token = (refreshed.json as { token: string }).token;
    const socket = browserSocket(stack.baseUrl, token);
    sockets.push(socket);
    await connected(socket);
    const dropped = new Promise<string>((r) => socket.once('disconnect', (reason) => r(reason)));
    expect((await api(stack.baseUrl, 'POST', '/api/users/wall-1/revoke')).status).toBe(204);
    expect(await dropped).toBe('io server disconnect');
    expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token })).status).toBe(401);
    socket.close();

    const clerk = await api(stack.baseUrl, 'POST', '/api/login', { username: 'longli-clerk', password: 'longli-pass-1' }, { token: null });
    const clerkToken = (clerk.json as { token: string }).token;
    expect((await api(stack.baseUrl, 'POST', '/api/logout', undefined, { token: clerkToken })).status).toBe(204);
    expect((await api(stack.baseUrl, 'GET', '/api/me', undefined, { token: clerkToken })).status).toBe(401);
  });

  it('manages users: scope rules, duplicates, the last admin, password changes sign out', async () => {
    const post = (body: unknown) => api(stack.baseUrl, 'POST', '/api/users', body);
    expect((await post({ username: 'tw', password: 'password-1', role: 'township' })).status).toBe(400); // no township
    expect((await post({ username: 'tw', password: 'password-1', role: 'township', townshipId: 'nowhere' })).status).toBe(400);
    expect((await post({ username: 'tw', password: 'password-1', role: 'operator', siteIds: ['bridge'] })).status).toBe(400);
    expect((await post({ username: 'tw', password: 'short', role: 'operator' })).status).toBe(400);
    expect((await post({ username: 'op-li', password: 'password-1', role: 'operator' })).status).toBe(409);
    expect((await api(stack.baseUrl, 'DELETE', '/api/users/admin')).status).toBe(409);
    expect((await api(stack.baseUrl, 'PATCH', '/api/users/admin', { role: 'operator' })).status).toBe(409);
    const list = (await api(stack.baseUrl, 'GET', '/api/users')).text;
    expect(list).not.toMatch(/scrypt|passwordHash|pass-1/);

    const opToken = await login(stack.baseUrl, 'op-li', 'operator-pass-1');
    expect((await api(stack.baseUrl, 'PATCH', '/api/users/op-li', { password: 'operator-pass-2' })).status).toBe(200);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token: opToken })).status).toBe(401);
    expect((await api(stack.baseUrl, 'POST', '/api/login', { username: 'op-li', password: 'operator-pass-1' }, { token: null })).status).toBe(401);
    await login(stack.baseUrl, 'op-li', 'operator-pass-2');
  });

  it('keeps an audit log of changes, refusals and logins, paged for admins only', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/login', { username: 'op-li', password: 'nope-nope' }, { token: null })).status).toBe(401);
    const failed = (await api(stack.baseUrl, 'GET', '/api/audit?action=login.failed')).json as { entries: { actor: string; address: string; ok: boolean }[] };
    expect(failed.entries[0]).toMatchObject({ actor: 'op-li', ok: false, address: expect.stringMatching(/127\.0\.0\.1/) });
    const refusedDelete = (await api(stack.baseUrl, 'GET', '/api/audit?action=camera.remove&actor=wall-1')).json as { entries: unknown[] };
    expect(refusedDelete.entries).toEqual([expect.objectContaining({ target: 'bridge-pano', ok: false, detail: 'forbidden' })]);
    const page1 = (await api(stack.baseUrl, 'GET', '/api/audit?limit=3')).json as { entries: { id: string }[]; next: string };
    const page2 = (await api(stack.baseUrl, 'GET', `/api/audit?limit=3&before=${page1.next}`)).json as { entries: { id: string }[] };
    expect(page1.entries).toHaveLength(3);
    expect(page2.entries).toHaveLength(3);
    expect(page2.entries[0]!.id < page1.entries[2]!.id).toBe(true);
    expect((await api(stack.baseUrl, 'GET', '/api/audit?limit=100000')).status).toBe(400);
    expect((await as('longli-clerk', 'GET', '/api/audit')).status).toBe(403);
  });

  it('locks a username at one address after ten failed logins, and says so', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/users', { username: 'victim', password: 'victim-pass-1', role: 'operator' })).status).toBe(201);
    for (let i = 0; i < 10; i++) {
      expect((await api(stack.baseUrl, 'POST', '/api/login', { username: 'victim', password: `guess-${i}` }, { token: null })).status).toBe(401);
    }
    const locked = await api(stack.baseUrl, 'POST', '/api/login', { username: 'victim', password: 'victim-pass-1' }, { token: null });
    expect([locked.status, locked.json]).toEqual([429, expect.objectContaining({ code: 'rate_limited' })]);
    // Other users at the same address are not affected.
    expect((await api(stack.baseUrl, 'POST', '/api/login', { username: 'wall-1', password: 'wall-pass-0001' }, { token: null })).status).toBe(200);
    // Every answer tells the browser not to sniff types or frame the console.
    const r = await api(stack.baseUrl, 'GET', '/api/me');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses socket.io connections from a foreign origin', async () => {
    const foreign = io(stack.baseUrl, { transports: ['websocket'], forceNew: true, auth: { token: stack.adminToken }, extraHeaders: { origin: 'http://evil.example' } });
    sockets.push(foreign as Sock);
    await expect(refused(foreign as Sock)).resolves.toBeTruthy();
    const own = io(stack.baseUrl, { transports: ['websocket'], forceNew: true, auth: { token: stack.adminToken }, extraHeaders: { origin: stack.baseUrl } });
    sockets.push(own as Sock);
    await connected(own as Sock);
  });
});
