import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, browserSocket, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

// On-demand pulling with the real gateway: nobody watching -> no pull; first viewer -> pulled.
describe('on-demand cameras', () => {
  let stack: Stack;
  let camera: SimCamera;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/od', '/always'] });
    // A grace of 3 s: long enough for a poll to see `online` before the camera idles.
    stack = await startStack({ env: { ON_DEMAND_GRACE_S: '3' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
  });

  const view = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;

  it('stops pulling an unwatched camera after the grace period and starts on the first viewer', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'od', name: '按需', url: camera.url('/od') });
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'always', name: '应急', url: camera.url('/always'), pull: 'always' });
    // New cameras are pulled at once, so their state is known...
    await waitFor('od online', async () => (await cameraStatus(stack.baseUrl, 'od')) === 'online');
    const firstPull = stack.gateway?.pulls.get('od');
    // ...and stop after the grace period when nobody watches.
    await waitFor('od idle', async () => (await view('od')).status === 'idle', 10_000);
    expect((await view('od')).active).toBe(false);
    // H.264 passes through the gateway's relay: no ffmpeg, one RTSP session that must end.
    await waitFor('its pull ended', () => firstPull !== undefined && !firstPull.running, 10_000);
    expect(stack.gateway?.pulls.has('od')).toBe(false);
    expect(() => stack.sfu.feeds.producerOf('od')).toThrow(/no live video/);

    // A wall shows it: pulled again.
    const socket = browserSocket(stack.baseUrl);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('room:join', { roomId: 'wall:main' });
    expect(await socket.emitWithAck('camera:watch', { cameraIds: ['od', 'always'] })).toEqual({ ok: true, data: null });
    await waitFor('od online again', async () => (await cameraStatus(stack.baseUrl, 'od')) === 'online');
    // Still watched well past the grace period: still pulled.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await view('od')).status).toBe('online');

    // The wall closes: idle again after the grace period. The `always` camera never idles.
    socket.close();
    await waitFor('od idle again', async () => (await view('od')).status === 'idle', 10_000);
    expect((await view('always')).status).toBe('online');
    expect((await view('always')).active).toBe(true);
  });

  it('ignores watch requests for unknown cameras and rejects malformed ones', async () => {
    const socket = browserSocket(stack.baseUrl);
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      expect(await socket.emitWithAck('camera:watch', { cameraIds: ['nope'] })).toEqual({ ok: true, data: null });
      expect(await socket.emitWithAck('camera:watch', { cameraIds: ['BAD ID'] })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    } finally {
      socket.close();
    }
  });
});
