/**
 * A room's viewers spread over the workers: two screens of the same wall room land on
 * different mediasoup workers (the camera's producer is piped to each), and both play.
 */
import { api, signedInPage } from '../support/stack';
import { waitTileLive, wallSite } from '../support/wallSite';

jest.setTimeout(120_000);

const site = wallSite({
  prepare: async (stack) => {
    expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout: '2x2', tiles: [{ cameraId: 'bridge-pano' }, { cameraId: 'bridge-close' }] })).status).toBe(200);
  },
});

test('two viewers of one wall room sit on different workers and both decode', async () => {
  const { stack, browser } = site;
  expect(stack.sfu.pool.workerCount).toBe(2);
  const first = await signedInPage(browser, stack.baseUrl);
  const second = await signedInPage(browser, stack.baseUrl);
  try {
    await first.goto(`${stack.baseUrl}/wall/hall`);
    await waitTileLive(first, 0, 'bridge-pano');
    await second.goto(`${stack.baseUrl}/wall/hall`);
    await waitTileLive(second, 0, 'bridge-pano');
    await waitTileLive(second, 1, 'bridge-close');
    await waitTileLive(first, 1, 'bridge-close');
    const room = stack.sfu.rooms.get('wall:hall')!;
    const sockets = [...stack.sfu.io.of('/').sockets.values()].filter((s) => s.rooms.has('wall:hall')).map((s) => s.id);
    const routers = new Set(sockets.map((id) => room.peer(id)?.router.id));
    expect(sockets).toHaveLength(2);
    expect(routers.size).toBe(2);
  } finally {
    await first.context().close();
    await second.context().close();
  }
});
