import { startFakeOnvif, type FakeOnvifCamera } from '../support/fakeOnvif';
import { api, startStack, type Stack } from '../support/stack';

// PTZ through the API with the real `onvif` package. The camera is a fake ONVIF device
// (tests/support/fakeOnvif.ts) because a physical PTZ camera cannot run here.
describe('PTZ presets over ONVIF', () => {
  let stack: Stack;
  let ptzCam: FakeOnvifCamera;
  beforeAll(async () => {
    ptzCam = await startFakeOnvif({
      username: 'operator',
      password: 'Ptz-S3cret',
      presets: [
        { token: '1', name: 'panorama' },
        { token: '2', name: 'gate' },
      ],
    });
    stack = await startStack({ gateway: false });
    const cam = {
      id: 'ptz-1',
      name: '塔吊球机',
      url: 'rtsp://127.0.0.1:9/ptz',
      onvif: { url: ptzCam.url, username: 'operator', password: 'Ptz-S3cret' },
    };
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', cam)).status).toBe(201);
    await api(stack.baseUrl, 'POST', '/api/cameras', {
      ...cam,
      id: 'ptz-wrong',
      onvif: { url: ptzCam.url, username: 'operator', password: 'wrong' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await ptzCam?.stop();
  });

  it('lists, goes to (by name or token) and saves presets', async () => {
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/ptz-1/ptz/presets')).json).toEqual([
      { token: '1', name: 'panorama' },
      { token: '2', name: 'gate' },
    ]);
    const byName = await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/goto', { name: 'panorama' });
    expect(byName.json).toEqual({ token: '1', name: 'panorama' });
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/goto', { token: '2' })).status).toBe(200);
    expect(ptzCam.calls.filter((c) => c.action === 'GotoPreset').map((c) => c.presetToken)).toEqual(['1', '2']);

    // "close" saved from the current position, then saved again (overwritten, not duplicated).
    const saved = await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/presets', { name: 'close' });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ name: 'close' });
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/presets', { name: 'close' })).status).toBe(201);
    expect(ptzCam.presets.filter((p) => p.name === 'close')).toHaveLength(1);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/goto', { name: 'close' })).status).toBe(200);
  });

  it('answers clearly for bad requests and bad cameras, and keeps the ONVIF password secret', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/goto', { name: 'nowhere' })).status).toBe(404);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/goto', { token: '<x/>' })).status).toBe(400);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras/ptz-1/ptz/presets', { name: 'a<b' })).status).toBe(400);
    const refused = await api(stack.baseUrl, 'GET', '/api/cameras/ptz-wrong/ptz/presets');
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ message: 'ONVIF login refused' });
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'no-ptz', name: 'x', url: 'rtsp://127.0.0.1:9/x' });
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/no-ptz/ptz/presets')).status).toBe(409);
    const list = await api(stack.baseUrl, 'GET', '/api/cameras');
    expect(list.text).not.toContain('Ptz-S3cret');
    expect(list.json).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'ptz-1', ptz: true })]));
    expect(stack.logs.text).not.toContain('Ptz-S3cret');
  });
});
