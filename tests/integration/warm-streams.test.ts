/**
 * A site's other streams are kept warm while a screen shows one of them (real SFU and Redis;
 * no gateway: "pulled" is the camera's `active` flag, what gateways are told to pull).
 */
import type { CameraView } from '@county/shared';
import { api, startStack, waitFor, type Stack } from '../support/stack';

let stack: Stack;
const view = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;
const put = async (tiles: unknown[], layout = '2x2') => expect((await api(stack.baseUrl, 'PUT', '/api/screens/hall', { name: '大厅', layout, tiles })).status).toBe(200);

beforeAll(async () => {
  stack = await startStack({ gateway: false, env: { ON_DEMAND_GRACE_S: '1' } });
  const admin = async (path: string, body: unknown) => expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
  await admin('/api/townships', { id: 'longli', name: '龙里镇' });
  await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
  await admin('/api/sites', { id: 'school', name: '学校工地', townshipId: 'longli' });
  await admin('/api/cameras', { id: 'bridge-pano', name: '大桥全景', url: 'rtsp://127.0.0.1:1/pano', siteId: 'bridge', kind: 'panorama' });
  await admin('/api/cameras', { id: 'bridge-close', name: '大桥近景', url: 'rtsp://127.0.0.1:1/close', subUrl: 'rtsp://127.0.0.1:1/close-sub', siteId: 'bridge', kind: 'close' });
  await admin('/api/cameras', { id: 'school-pano', name: '学校全景', url: 'rtsp://127.0.0.1:1/school', siteId: 'school', kind: 'panorama' });
  // New cameras are pulled for one grace period: wait until nothing is.
  await waitFor('all idle', async () => ((await api(stack.baseUrl, 'GET', '/api/cameras')).json as CameraView[]).every((c) => !c.active) || undefined, 15_000);
});
afterAll(async () => stack?.stop());

test('a small tile showing the panorama keeps the close view\'s sub stream warm, and only that', async () => {
  await put([{ cameraId: 'bridge-pano' }]);
  await waitFor('close sub warm', async () => (await view('bridge-close')).sub?.active || undefined, 10_000);
  expect((await view('bridge-close')).active).toBe(false); // the main stream stays cold: a small tile plays the sub
  expect((await view('school-pano')).active).toBe(false); // another site: not warmed
});

test('a large tile warms the main stream; a screen that no longer shows the site lets it go', async () => {
  await put([{ cameraId: 'bridge-pano' }], '1');
  await waitFor('close main warm', async () => (await view('bridge-close')).active || undefined, 10_000);
  await put([{ cameraId: 'school-pano' }], '1');
  await waitFor('close released', async () => {
    const v = await view('bridge-close');
    return (!v.active && !v.sub?.active) || undefined;
  }, 10_000);
  // A site with one stream has nothing else to warm.
  expect((await view('bridge-pano')).active).toBe(false);
});
