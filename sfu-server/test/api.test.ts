import { io } from 'socket.io-client';
import { INGEST_NAMESPACE, type Ack } from '@county/shared';
import { api, browserSocket, startStack, type Stack } from '../../tests/support/stack';

// The real SFU with real mediasoup workers; no gateway, so cameras stay `connecting`/`offline`.
describe('sfu-server HTTP API and signalling', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: false });
  });
  afterAll(() => stack.stop());

  const cameras = async () => (await api(stack.baseUrl, 'GET', '/api/cameras')).json as { id: string }[];

  it('reports health with the worker count', async () => {
    const { status, json } = await api(stack.baseUrl, 'GET', '/api/health');
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'ok', workers: 2 });
  });

  it('adds, lists and deletes a camera, never showing its URL', async () => {
    const url = 'rtsp://admin:Sup3rSecret@127.0.0.1:1/live';
    const created = await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'gate-1', name: '大门', url });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'gate-1', name: '大门', status: expect.stringMatching(/connecting|offline/) });
    const list = await api(stack.baseUrl, 'GET', '/api/cameras');
    expect(list.json).toEqual([expect.objectContaining({ id: 'gate-1' })]);
    for (const r of [created, list, await api(stack.baseUrl, 'GET', '/api/cameras/gate-1')]) {
      expect(r.text).not.toContain('Sup3rSecret');
      expect(r.text).not.toContain('rtsp://');
    }
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/gate-1')).status).toBe(204);
    expect(await cameras()).toEqual([]);
    expect(stack.logs.text).not.toContain('Sup3rSecret');
  });

  it.each([
    ['a malformed id', { id: 'Bad Id', name: 'x', url: 'rtsp://10.0.0.1/x' }, /id/],
    ['an http url', { id: 'c1', name: 'x', url: 'http://10.0.0.1/x' }, /rtsp/],
    ['an option-injecting url', { id: 'c1', name: 'x', url: 'rtsp://h/x -f null -y /tmp/p' }, /url/],
    ['a missing name', { id: 'c1', url: 'rtsp://10.0.0.1/x' }, /name/],
    ['an unknown field', { id: 'c1', name: 'x', url: 'rtsp://10.0.0.1/x', ffmpegArgs: '-y' }, /ffmpegArgs|key/i],
    ['not an object', [1, 2], /object/],
  ])('rejects %s with 400 and a message, changing nothing', async (_why, body, message) => {
    const r = await api(stack.baseUrl, 'POST', '/api/cameras', body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'bad_request', message: expect.stringMatching(message) });
    expect(await cameras()).toEqual([]);
  });

  it('rejects a body that is not JSON or is too large', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', '{"id":')).status).toBe(400);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', JSON.stringify({ id: 'x'.repeat(100_000) }))).status).toBe(413);
    expect(await cameras()).toEqual([]);
  });

  it('answers 409 for a duplicate id, 404 for an unknown camera, 400 for a bad id in the path', async () => {
    const cam = { id: 'dup', name: 'x', url: 'rtsp://127.0.0.1:1/x' };
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', cam)).status).toBe(201);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { ...cam, name: 'y' })).status).toBe(409);
    expect((await api(stack.baseUrl, 'GET', '/api/cameras/dup')).json).toMatchObject({ name: 'x' });
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/nope')).status).toBe(404);
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/NOT%20VALID')).status).toBe(400);
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/dup')).status).toBe(204);
  });

  it('answers malformed socket.io requests with bad_request and stays up', async () => {
    const socket = browserSocket(stack.baseUrl);
    try {
      const emit = (event: string, payload: unknown) =>
        socket.timeout(5000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<unknown>>;
      expect(await emit('room:join', { roomId: 'lobby' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(await emit('room:join', null)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(await emit('transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
      const joined = await emit('room:join', { roomId: 'wall:main' });
      expect(joined).toMatchObject({ ok: true, data: { routerRtpCapabilities: { codecs: expect.any(Array) } } });
      expect(await emit('transport:connect', { transportId: 'x', dtlsParameters: { fingerprints: 'no' } })).toMatchObject({
        ok: false,
        error: { code: 'bad_request' },
      });
      expect(await emit('transport:connect', { transportId: 'x', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      const transport = (await emit('transport:create', { direction: 'recv' })) as Ack<{ id: string }>;
      expect(transport.ok).toBe(true);
      const consume = await emit('camera:consume', {
        transportId: transport.ok ? transport.data.id : '',
        cameraId: 'nope',
        rtpCapabilities: { codecs: [] },
      });
      expect(consume).toMatchObject({ ok: false, error: { code: 'not_found' } });
      (socket.emit as (event: string) => void)('room:join'); // no payload, no ack: ignored
      expect((await api(stack.baseUrl, 'GET', '/api/health')).status).toBe(200);
    } finally {
      socket.close();
    }
  });

  it('keeps townships and sites, and shows each site with its streams', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/townships', { id: 'longli', name: '龙里镇' })).status).toBe(201);
    expect((await api(stack.baseUrl, 'POST', '/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' })).status).toBe(201);
    expect((await api(stack.baseUrl, 'POST', '/api/sites', { id: 'x', name: 'x', townshipId: 'nowhere' })).status).toBe(400);
    expect((await api(stack.baseUrl, 'POST', '/api/townships', { id: 'longli', name: 'again' })).status).toBe(409);
    const pano = { id: 'bridge-pano', name: '全景', url: 'rtsp://127.0.0.1:9/a', siteId: 'bridge', kind: 'panorama' };
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', pano)).json).toMatchObject({ siteId: 'bridge', townshipId: 'longli', kind: 'panorama' });
    await api(stack.baseUrl, 'POST', '/api/cameras', { ...pano, id: 'bridge-close', kind: 'close' });
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { ...pano, id: 'lost', siteId: 'nowhere' })).status).toBe(400);
    expect((await api(stack.baseUrl, 'GET', '/api/sites')).json).toEqual([
      expect.objectContaining({
        id: 'bridge',
        townshipId: 'longli',
        streams: expect.arrayContaining([
          expect.objectContaining({ cameraId: 'bridge-pano', kind: 'panorama' }),
          expect.objectContaining({ cameraId: 'bridge-close', kind: 'close' }),
        ]),
      }),
    ]);
    await api(stack.baseUrl, 'DELETE', '/api/cameras/bridge-pano');
    await api(stack.baseUrl, 'DELETE', '/api/cameras/bridge-close');
  });

  it('refuses cameras past MAX_CAMERAS with a clear message', async () => {
    const small = await startStack({ gateway: false, env: { MAX_CAMERAS: '2' } });
    try {
      for (const id of ['a', 'b']) expect((await api(small.baseUrl, 'POST', '/api/cameras', { id, name: id, url: 'rtsp://127.0.0.1:9/x' })).status).toBe(201);
      const third = await api(small.baseUrl, 'POST', '/api/cameras', { id: 'c', name: 'c', url: 'rtsp://127.0.0.1:9/x' });
      expect(third.status).toBe(409);
      expect(third.json).toMatchObject({ message: expect.stringMatching(/camera limit/) });
    } finally {
      await small.stop();
    }
  });

  it('refuses a camera gateway with a wrong token', async () => {
    const gw = io(`${stack.baseUrl}${INGEST_NAMESPACE}`, { auth: { token: 'wrong-token-wrong-token' }, transports: ['websocket'], reconnection: false });
    try {
      const err = await new Promise<Error>((resolve) => gw.once('connect_error', resolve));
      expect(err.message).toBe('unauthorized');
    } finally {
      gw.close();
    }
  });
});
