/**
 * The keyframe cache taps watched cameras always and unwatched ones only while few are tapped:
 * with room for one tap, the watched camera takes it from the unwatched one (real GStreamer
 * cameras, gateway and SFU).
 */
import { createLogger, resolveFfmpeg } from '@county/shared/node';
import { KeyframeCache } from '../../sfu-server/src/cameras/KeyframeCache';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

let stack: Stack;
let camera: SimCamera;
let cache: KeyframeCache | undefined;

beforeAll(async () => {
  camera = await startSimCamera({ mounts: ['/a?gop=25', '/b?gop=25'] });
  stack = await startStack();
  for (const id of ['cam-a', 'cam-b']) {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id, name: id, url: camera.url(`/${id.slice(-1)}`), pull: 'always' })).status).toBe(201);
  }
  for (const id of ['cam-a', 'cam-b']) await waitFor(`${id} online`, async () => (await cameraStatus(stack.baseUrl, id)) === 'online', 45_000);
}, 90_000);
afterAll(async () => {
  cache?.close();
  await stack?.stop();
  await camera?.stop();
});

test('with room for one tap, the watched camera is cached and the unwatched one gives way', async () => {
  const watched = new Set<string>();
  cache = new KeyframeCache(stack.sfu.feeds, resolveFfmpeg, createLogger('test', { level: 'silent' }), (id) => watched.has(id), 1);
  // Nobody watches: the first camera to send a keyframe gets the one tap.
  const first = await waitFor('one camera cached', () => (['cam-a', 'cam-b'].find((id) => cache!.latest(id)) ?? undefined), 20_000);
  const other = first === 'cam-a' ? 'cam-b' : 'cam-a';
  expect(cache.latest(other)).toBeUndefined();
  // The other one is now watched: it takes the tap at its next keyframe.
  watched.add(other);
  await waitFor('the watched camera cached', () => cache!.latest(other) !== undefined || undefined, 20_000);
  await waitFor('the unwatched one given up', () => cache!.latest(first) === undefined || undefined, 20_000);
});
