/**
 * Two SFU nodes on one Redis (socket.io's Redis adapter): news a node sends to a room reaches
 * that room's sockets on the other node — a screen changed through node A updates the wall
 * page connected to node B, a call made on A rings the inspector's page on B, and signing out
 * on A disconnects the user's socket on B; a tour steps once per dwell and outlives its node.
 */
import type { Screen } from '@county/shared';
import { addUsers, api, browserSocket, startStack, waitFor, type Stack } from '../support/stack';

let a: Stack;
let b: Stack;
const sockets: ReturnType<typeof browserSocket>[] = [];
const connected = (s: ReturnType<typeof browserSocket>) => new Promise<void>((res, rej) => (s.connected ? res() : (s.once('connect', () => res()), s.once('connect_error', rej))));

beforeAll(async () => {
  a = await startStack({ gateway: false, env: { TOUR_MIN_DWELL_S: '1' } });
  b = await startStack({ gateway: false, env: { REDIS_URL: a.redis!.url, TOUR_MIN_DWELL_S: '1' } });
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

test('a tour steps once per dwell with two nodes, and carries on when its node goes away', async () => {
  const admin = async (path: string, body: unknown) => expect((await api(a.baseUrl, 'POST', path, body)).status).toBe(201);
  for (let i = 0; i < 3; i++) await admin('/api/cameras', { id: `tour-cam-${i}`, name: `轮巡 ${i}`, url: `rtsp://127.0.0.1:1/t${i}`, siteId: 'bridge' });
  expect((await api(a.baseUrl, 'PUT', '/api/screens/patrol', { name: '轮巡屏', layout: '1', tiles: [] })).status).toBe(200);
  const steps = Array.from({ length: 60 }, (_, i) => ({ cameraId: `tour-cam-${i % 3}` }));
  await admin('/api/tours', { id: 'patrol', name: '轮巡', target: { screenId: 'patrol' }, steps, dwellS: 1 });
  expect((await api(a.baseUrl, 'POST', '/api/tours/patrol/start')).status).toBe(200);
  const step = async () => ((await api(b.baseUrl, 'GET', '/api/tours')).json as { id: string; state: { step: number } }[]).find((t) => t.id === 'patrol')!.state.step;
  // Node B follows the tour within its sweep; from then on both nodes have a timer for it.
  await new Promise((r) => setTimeout(r, 6500));
  const before = await step();
  await new Promise((r) => setTimeout(r, 4000));
  const advanced = (await step()) - before;
  expect(advanced).toBeGreaterThanOrEqual(2);
  expect(advanced).toBeLessThanOrEqual(6); // not ~8: one node shows each step
  // Node A goes away: node B carries the tour on.
  await a.sfu.tours.close();
  const left = await step();
  await waitFor('node B stepping alone', async () => (await step()) - left >= 2 || undefined, 15_000);
}, 60_000);
