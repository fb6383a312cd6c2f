import { AppError } from '@county/shared';
import { CameraNetworks } from '../src/cameras/CameraNetworks';
import { api, startStack, type Stack } from '../../tests/support/stack';

const DEFAULT = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7';

describe('CameraNetworks', () => {
  const nets = new CameraNetworks(DEFAULT);

  it.each([
    ['10.1.2.3', true],
    ['172.31.255.254', true],
    ['172.32.0.1', false],
    ['192.168.1.64', true],
    ['100.64.0.1', true],
    ['100.128.0.1', false],
    ['8.8.8.8', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['0.0.0.0', false],
    ['fd00::5', true],
    ['fc00::1', true],
    ['fe80::1', false],
    ['::1', false],
    ['2001:db8::1', false],
    ['::ffff:10.0.0.5', true],
    ['::ffff:8.8.8.8', false],
    ['not-an-ip', false],
  ])('%s on the default networks: %s', (address, inside) => {
    expect(nets.contains(address)).toBe(inside);
  });

  it.each([
    'rtsp://8.8.8.8/live',
    'rtsp://admin:p@ss@8.8.8.8:554/live',
    'rtsp://[2001:db8::1]/live',
    'rtsp://127.0.0.1:22/',
    'rtsp://2130706433/', // 127.0.0.1 written as a number: resolved, then refused
    'http://169.254.169.254/latest/meta-data',
  ])('refuses %s', async (url) => {
    await expect(nets.check(url, 'camera url')).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/not on a camera network \(CAMERA_NETWORKS\)/) });
  });

  it('names the host in the message, never the credentials', async () => {
    const err = await nets.check('rtsp://admin:Secr3t@8.8.8.8/x', 'camera url').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe('camera url: host 8.8.8.8 is not on a camera network (CAMERA_NETWORKS)');
  });

  it('accepts addresses inside, IPv4 and IPv6', async () => {
    await expect(nets.check('rtsp://admin:p@ss@10.0.0.5/x', 'camera url')).resolves.toBeUndefined();
    await expect(nets.check('rtsps://[fd00::5]:322/x', 'camera url')).resolves.toBeUndefined();
    await expect(nets.check('http://192.168.1.64/onvif/device_service', 'onvif url')).resolves.toBeUndefined();
  });

  it('resolves a host name: every address must be inside', async () => {
    await expect(new CameraNetworks('10.0.0.0/8').check('rtsp://localhost/x', 'camera url')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(new CameraNetworks('127.0.0.0/8,::1/128').check('rtsp://localhost/x', 'camera url')).resolves.toBeUndefined();
    await expect(nets.check('rtsp://no-such-camera.invalid/x', 'camera url')).rejects.toMatchObject({ message: expect.stringMatching(/does not resolve/) });
  });

  it('rejects a malformed CAMERA_NETWORKS at start', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'cameras', '10.0.0.0/8/1', '10.0.0/8', '10.0.0.0/-1']) {
      expect(() => new CameraNetworks(bad)).toThrow(/CAMERA_NETWORKS/);
    }
    expect(new CameraNetworks(' 10.0.0.0/8 , 10.9.9.9 ,').contains('10.9.9.9')).toBe(true);
    expect(new CameraNetworks('').contains('10.0.0.1')).toBe(false);
  });
});

// Through the API: the server never stores (or pulls) a camera it could not be allowed to reach.
describe('POST /api/cameras and CAMERA_NETWORKS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: false, env: { CAMERA_NETWORKS: '10.0.0.0/8,fd00::/8' } });
  });
  afterAll(() => stack?.stop());

  const cameras = async () => (await api(stack.baseUrl, 'GET', '/api/cameras')).json as { id: string }[];

  it.each([
    ['a public address', 'rtsp://8.8.8.8/live', 'camera url: host 8.8.8.8 is not on a camera network (CAMERA_NETWORKS)'],
    ['loopback (the server itself)', 'rtsp://admin:x@127.0.0.1:6379/', 'camera url: host 127.0.0.1 is not on a camera network (CAMERA_NETWORKS)'],
    ['a host name that resolves outside', 'rtsp://localhost:22/', 'camera url: host localhost is not on a camera network (CAMERA_NETWORKS)'],
    ['an IPv6 address outside', 'rtsp://[::1]:8080/', 'camera url: host ::1 is not on a camera network (CAMERA_NETWORKS)'],
  ])('refuses %s with 400, storing nothing', async (_why, url, message) => {
    const r = await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'probe', name: 'x', url });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ code: 'bad_request', message });
    expect(await cameras()).toEqual([]);
  });

  it('refuses an ONVIF address off the networks, storing nothing', async () => {
    const r = await api(stack.baseUrl, 'POST', '/api/cameras', {
      id: 'ptz',
      name: 'x',
      url: 'rtsp://10.0.0.5/live',
      onvif: { url: 'http://8.8.4.4/onvif/device_service', username: 'u', password: 'p' },
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ code: 'bad_request', message: 'onvif url: host 8.8.4.4 is not on a camera network (CAMERA_NETWORKS)' });
    expect(await cameras()).toEqual([]);
  });

  it('accepts cameras on the networks', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'in-v4', name: 'x', url: 'rtsp://u:p@ss@10.1.2.3/live' })).status).toBe(201);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'in-v6', name: 'x', url: 'rtsp://[fd00::7]:554/live' })).status).toBe(201);
    expect((await cameras()).map((c) => c.id).sort()).toEqual(['in-v4', 'in-v6']);
  });
});
