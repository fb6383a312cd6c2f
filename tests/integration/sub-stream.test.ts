import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { addUsers, api, browserSocket, startStack, waitFor, type Stack } from '../support/stack';

type Sock = ReturnType<typeof browserSocket>;
type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
const emit = <T = unknown>(socket: Sock, event: string, payload: unknown) =>
  socket.timeout(10_000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<T>>;
const connected = (socket: Sock) => new Promise<void>((resolve, reject) => {
  socket.once('connect', () => resolve());
  socket.once('connect_error', reject);
});

const SUB_PASSWORD = 'SubStr3amS3cret';

// A camera with a main stream (1280x720) and a sub stream (640x360): two mounts of one real
// GStreamer camera, pulled by the real gateway's ffmpeg as two feeds (`gate` and `gate~sub`).
describe('main and sub streams of one camera', () => {
  let stack: Stack;
  let camera: SimCamera;
  let socket: Sock;
  const messages: string[] = [];
  const view = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;

  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/main?size=1280x720&bitrate=1500', '/sub?size=640x360&bitrate=400'] });
    // A short grace period: a stream nobody watches stops within the test.
    stack = await startStack({ env: { ON_DEMAND_GRACE_S: '2' } });
    socket = browserSocket(stack.baseUrl);
    socket.onAny((event: string, ...args: unknown[]) => messages.push(`${event} ${JSON.stringify(args)}`));
    await connected(socket);
    expect(await emit(socket, 'room:join', { roomId: 'wall:main' })).toMatchObject({ ok: true });
    for (const [path, body] of [
      ['/api/townships', { id: 'chengguan', name: '城关镇' }],
      ['/api/townships', { id: 'xima', name: '洗马镇' }],
      ['/api/sites', { id: 'north-gate', name: '北门工地', townshipId: 'chengguan' }],
    ] as const) {
      expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('refuses a bad subUrl with a 400 and changes nothing', async () => {
    const base = { name: '大门', url: camera.url('/main') };
    for (const subUrl of ['http://127.0.0.1/sub', 'rtsp://', 'rtsp://8.8.8.8/sub', 'rtsp://127.0.0.1/a b', 42]) {
      const r = await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'bad-sub', ...base, subUrl });
      expect([subUrl, r.status, (r.json as { code?: string }).code]).toEqual([subUrl, 400, 'bad_request']);
    }
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/bad-sub')).status).toBe(404);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras')).json).toEqual([]);
    expect(stack.gateway?.pulls.size).toBe(0);
  });

  it('pulls the sub stream only while watched, at its own resolution, and consumes each stream from its own producer', async () => {
    const subUrl = camera.url('/sub', `viewer:${SUB_PASSWORD}`);
    const added = await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'gate', name: '大门', url: camera.url('/main'), subUrl, siteId: 'north-gate' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: 'gate', hasSub: true, sub: { status: 'idle', active: false } });
    // A camera without a sub stream says so.
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'yard', name: '院子', url: camera.url('/main') })).json).toMatchObject({ hasSub: false });
    expect((await view('yard')).sub).toBeUndefined();

    // Watched, so they stay pulled (an added on-demand camera is pulled only for its grace
    // period); the main streams first, so each sim-camera mount starts once.
    expect(await emit(socket, 'camera:watch', { cameraIds: ['gate', 'yard'] })).toMatchObject({ ok: true });
    for (const id of ['gate', 'yard']) await waitFor(`${id} online`, async () => (await view(id)).status === 'online' || undefined, 45_000, () => view(id));
    expect(await emit(socket, 'camera:watch', { cameraIds: ['gate'], subCameraIds: ['gate', 'yard'] })).toMatchObject({ ok: true });
    const both = await waitFor(
      'main and sub online with health',
      async () => {
        const v = await view('gate');
        return v.status === 'online' && v.health?.width && v.sub?.status === 'online' && v.sub.health?.width ? v : undefined;
      },
      45_000,
      () => view('gate'),
    );
    expect(both.health).toMatchObject({ width: 1280, height: 720 });
    expect(both.sub).toMatchObject({ active: true, health: { width: 640, height: 360 } });
    const pulls = [...(stack.gateway?.pulls.keys() ?? [])];
    expect(pulls).toEqual(expect.arrayContaining(['gate', 'gate~sub']));
    expect(pulls).not.toContain('yard~sub'); // a camera without a sub stream: its sub watch is skipped

    // The sub stream's health reaches browsers marked as such.
    await waitFor('sub health pushed', () => messages.some((m) => m.startsWith('camera:health') && m.includes('"stream":"sub"')));

    const transport = await emit<{ id: string }>(socket, 'transport:create', { direction: 'recv' });
    if (!transport.ok) throw new Error(transport.error.message);
    const { routerRtpCapabilities } = ((await emit(socket, 'room:join', { roomId: 'wall:main' })) as { data: { routerRtpCapabilities: unknown } }).data;
    const consume = async (cameraId: string, stream?: string) => {
      const again = await emit<{ id: string }>(socket, 'transport:create', { direction: 'recv' });
      if (!again.ok) throw new Error(again.error.message);
      return emit<{ producerId: string }>(socket, 'camera:consume', { transportId: again.data.id, cameraId, stream, rtpCapabilities: routerRtpCapabilities });
    };
    const sub = await consume('gate', 'sub');
    const main = await consume('gate');
    expect(sub).toMatchObject({ ok: true, data: { producerId: stack.sfu.feeds.producerOf('gate~sub').producer.id } });
    expect(main).toMatchObject({ ok: true, data: { producerId: stack.sfu.feeds.producerOf('gate').producer.id } });
    expect(await consume('yard', 'sub')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await consume('gate', 'third')).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // Nobody watches the sub stream any more: after the grace period its pull stops, the main one stays.
    expect(await emit(socket, 'camera:watch', { cameraIds: ['gate'] })).toMatchObject({ ok: true });
    await waitFor('sub idle', async () => (await view('gate')).sub?.status === 'idle', 20_000);
    await waitFor('sub pull gone', () => !stack.gateway?.pulls.has('gate~sub'), 10_000);
    expect(stack.gateway?.pulls.has('gate')).toBe(true);
    expect((await view('gate')).status).toBe('online');
  });

  it('checks the camera, not the stream: a township clerk cannot watch or consume another township\'s sub stream', async () => {
    const tokens = await addUsers(stack.baseUrl, [{ username: 'xima-clerk', password: 'xima-clerk-password-1', role: 'township', townshipId: 'xima' } as { username: string; password: string }]);
    const clerk = browserSocket(stack.baseUrl, tokens['xima-clerk']);
    try {
      await connected(clerk);
      expect(await emit(clerk, 'room:join', { roomId: 'wall:xima' })).toMatchObject({ ok: true });
      expect(await emit(clerk, 'camera:watch', { cameraIds: [], subCameraIds: ['gate'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const t = await emit<{ id: string }>(clerk, 'transport:create', { direction: 'recv' });
      const r = await emit(clerk, 'camera:consume', { transportId: t.ok ? t.data.id : '', cameraId: 'gate', stream: 'sub', rtpCapabilities: { codecs: [] } });
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect((await api(stack.baseUrl, 'GET', '/api/cameras/gate/snapshot.jpg?stream=sub', undefined, { token: tokens['xima-clerk'] })).status).toBe(403);
    } finally {
      clerk.close();
    }
  });

  it('keeps the sub URL out of API answers, socket messages and logs; removing the camera stops both pulls', async () => {
    const answers = [
      (await api(stack.baseUrl, 'GET', '/api/cameras')).text,
      (await api(stack.baseUrl, 'GET', '/api/cameras/gate')).text,
      (await api(stack.baseUrl, 'GET', '/api/sites')).text,
    ].join('\n');
    const subPath = `${camera.port}/sub`;
    for (const secret of [SUB_PASSWORD, subPath]) {
      expect(answers).not.toContain(secret);
      expect(messages.join('\n')).not.toContain(secret);
      expect(stack.logs.text).not.toContain(secret);
    }
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/gate')).status).toBe(204);
    await waitFor('both pulls stopped', () => !stack.gateway?.pulls.has('gate') && !stack.gateway?.pulls.has('gate~sub'), 10_000);
    expect(() => stack.sfu.feeds.producerOf('gate~sub')).toThrow(/no live video/);
  });

  it('keeps the sub stream across a restart (Redis), idle until watched; a camera stored without one stays without', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'tower', name: '塔吊', url: camera.url('/main'), subUrl: camera.url('/sub') })).status).toBe(201);
    socket.close();
    await stack.gateway?.close();
    await stack.sfu.close();
    const redis = stack.redis!;
    stack = { ...stack, stop: () => redis.destroy() }; // the SFU and gateway are closed already
    const again = await startStack({ env: { REDIS_URL: redis.url, ON_DEMAND_GRACE_S: '2' } });
    let clerk: Sock | undefined;
    try {
      const get = async (id: string) => (await api(again.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;
      expect(await get('tower')).toMatchObject({ hasSub: true, sub: { status: 'idle', active: false } });
      expect(await get('yard')).toMatchObject({ hasSub: false });
      clerk = browserSocket(again.baseUrl);
      await connected(clerk);
      expect(await emit(clerk, 'room:join', { roomId: 'wall:main' })).toMatchObject({ ok: true });
      expect(await emit(clerk, 'camera:watch', { cameraIds: [], subCameraIds: ['tower'] })).toMatchObject({ ok: true });
      const sub = await waitFor('tower sub online', async () => {
        const v = await get('tower');
        return v.sub?.status === 'online' && v.sub.health?.width ? v.sub : undefined;
      }, 45_000, () => get('tower'));
      expect(sub.health).toMatchObject({ width: 640, height: 360 });
    } finally {
      clerk?.close();
      await again.stop();
    }
  }, 120_000);
});
