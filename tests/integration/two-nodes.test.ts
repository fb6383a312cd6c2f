/**
 * Two SFU nodes on one Redis (socket.io's Redis adapter): news a node sends to a room reaches
 * that room's sockets on the other node — a screen changed through node A updates the wall
 * page connected to node B, a call made on A rings the inspector's page on B, and signing out
 * on A disconnects the user's socket on B.
 */
import type { Screen } from '@county/shared';
import { addUsers, api, browserSocket, startStack, type Stack } from '../support/stack';

let a: Stack;
let b: Stack;
const sockets: ReturnType<typeof browserSocket>[] = [];
const connected = (s: ReturnType<typeof browserSocket>) => new Promise<void>((res, rej) => (s.connected ? res() : (s.once('connect', () => res()), s.once('connect_error', rej))));

beforeAll(async () => {
  a = await startStack({ gateway: false });
  b = await startStack({ gateway: false, env: { REDIS_URL: a.redis!.url } });
  const admin = async (path: string, body: unknown) => expect((await api(a.baseUrl, 'POST', path, body)).status).toBe(201);
  await admin('/api/townships', { id: 'longli', name: '龙里镇' });
  await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await b?.stop();
  await a?.stop();
});

test('a screen changed on node A reaches its page on node B', async () => {
  const wall = browserSocket(b.baseUrl, b.adminToken);
  sockets.push(wall);
  await connected(wall);
  const joined = await wall.timeout(10_000).emitWithAck('room:join', { roomId: 'wall:hall' });
  expect(joined.ok).toBe(true);
  const heard = new Promise<Screen>((res) => wall.once('screen:updated', res));
  expect((await api(a.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: '1', tiles: [{ text: '防汛值班' }] })).status).toBe(200);
  expect(await heard).toEqual(expect.objectContaining({ id: 'hall', layout: '1', tiles: [{ text: '防汛值班' }] }));
});

test('a call made on node A rings the inspector on node B; signing out on A closes their socket on B', async () => {
  const tokens = await addUsers(a.baseUrl, [{ username: 'inspector-li', password: 'inspector-pass-1', role: 'inspector', siteIds: ['bridge'] } as never]);
  const phone = browserSocket(b.baseUrl, tokens['inspector-li']);
  sockets.push(phone);
  await connected(phone);
  const rang = new Promise<string>((res) => phone.once('call:ringing', (c) => res(c.meetingId)));
  const call = await api(a.baseUrl, 'POST', '/api/sites/bridge/call', {});
  expect(call.status).toBe(201);
  expect(await rang).toBe((call.json as { id: string }).id);
  const dropped = new Promise<string>((res) => phone.once('disconnect', (reason) => res(reason)));
  expect((await api(a.baseUrl, 'POST', '/api/logout', undefined, { token: tokens['inspector-li'] })).status).toBe(204);
  expect(await dropped).toBe('io server disconnect');
});
