import { spawn, type ChildProcess } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import {
  INGEST_NAMESPACE,
  type Ack,
  type GatewayToServerEvents,
  type IngestPoint,
  type RtpSource,
  type ServerToGatewayEvents,
} from '@county/shared';
import { pullArgs } from '../../camera-gateway/src/ffmpeg/ffmpegArgs';
import { SourcePorts } from '../../camera-gateway/src/SourcePorts';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, GATEWAY_TOKEN, gatewayTools, startStack, waitFor, type Stack } from '../support/stack';

function data<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

// The test plays the gateway on /ingest (socket.io), with a real ffmpeg pulling a real
// GStreamer camera into the ingest it opened: a late close of an older ingest of the same
// camera must not touch the newer one.
describe('ingest generations', () => {
  let stack: Stack;
  let camera: SimCamera;
  let gateway: Socket<ServerToGatewayEvents, GatewayToServerEvents>;
  let ffmpeg: ChildProcess | undefined;
  const ports = new SourcePorts();

  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/gen'] });
    stack = await startStack({ gateway: false });
    gateway = io(`${stack.baseUrl}${INGEST_NAMESPACE}`, {
      auth: { token: GATEWAY_TOKEN, gatewayId: 'gen-test' },
      transports: ['websocket'],
      forceNew: true,
    });
    const assigned = new Promise<void>((resolve) =>
      gateway.on('ingest:assign', (cams) => cams.some((c) => c.id === 'gen') && resolve()),
    );
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'gen', name: 'generations', url: camera.url(), pull: 'always' });
    await assigned;
  });
  afterAll(async () => {
    ffmpeg?.kill('SIGKILL');
    gateway?.close();
    await stack?.stop();
    await camera?.stop();
  });

  const open = async (): Promise<{ point: IngestPoint; video: RtpSource }> => {
    const video = await ports.source();
    return { point: data(await gateway.timeout(5000).emitWithAck('ingest:open', { cameraId: 'gen', video })), video };
  };
  const bytes = async () => {
    const { producer } = stack.sfu.feeds.producerOf('gen');
    return (await producer.getStats()).reduce((n, s) => n + s.byteCount, 0);
  };

  it('a close (or offline report) naming an older generation leaves the newer ingest and its media alone', async () => {
    const first = await open();
    const second = await open();
    expect(second.point.generation).toBeGreaterThan(first.point.generation);

    // Real media into the second ingest, from the ports declared for it.
    ffmpeg = spawn(gatewayTools().ffmpegPath, pullArgs(camera.url(), { video: { mode: 'copy' }, audio: false }, second.point, { video: second.video }), {
      stdio: 'ignore',
    });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'gen')) === 'online', 20_000);
    const { producer } = stack.sfu.feeds.producerOf('gen');

    // The late messages about the first ingest.
    expect(await gateway.timeout(5000).emitWithAck('ingest:close', { cameraId: 'gen', generation: first.point.generation })).toEqual({ ok: true, data: null });
    gateway.emit('ingest:state', { cameraId: 'gen', state: 'offline', reason: 'camera stopped sending', generation: first.point.generation });

    const before = await bytes();
    await new Promise((r) => setTimeout(r, 2000));
    expect(producer.closed).toBe(false);
    expect(stack.sfu.feeds.producerOf('gen').producer).toBe(producer);
    expect(stack.sfu.feeds.generationOf('gen')).toBe(second.point.generation);
    expect(await bytes()).toBeGreaterThan(before);
    expect(await cameraStatus(stack.baseUrl, 'gen')).toBe('online');

    // A close naming the live generation does close it.
    expect(await gateway.timeout(5000).emitWithAck('ingest:close', { cameraId: 'gen', generation: second.point.generation })).toEqual({ ok: true, data: null });
    expect(producer.closed).toBe(true);
    expect(stack.sfu.feeds.generationOf('gen')).toBeUndefined();
  });

  it('a close without a generation is refused', async () => {
    const ack = await gateway.timeout(5000).emitWithAck('ingest:close', { cameraId: 'gen' } as never);
    expect(ack).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
