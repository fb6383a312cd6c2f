import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { liveStack } from '../support/liveStack';
import { adminFetch, browserSocket } from '../support/stack';

type BrowserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const emit = (socket: BrowserSocket, event: string, payload: unknown) =>
  socket.timeout(15_000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<unknown>>;

// Caps that need live cameras: HLS transcodes across all viewers, consumers per browser.
describe('limits with live cameras', () => {
  const live = liveStack({
    mounts: ['/h1', '/h2', '/h3'],
    cameras: (camera) => ['h1', 'h2', 'h3'].map((id) => ({ id, name: id, url: camera.url(`/${id}`) })),
    env: { MAX_HLS_SESSIONS: '2', MAX_CONSUMERS_PER_PEER: '2' },
  });

  it('HLS for MAX_HLS_SESSIONS cameras at once; the next camera gets 503 with a clear message', async () => {
    // All three asked at once: the cap is claimed before the (slow) start, so exactly one is refused.
    const answers = await Promise.all(
      ['h1', 'h2', 'h3'].map(async (id) => {
        const res = await adminFetch(live.stack.baseUrl, `/api/cameras/${id}/hls/index.m3u8`);
        return { id, status: res.status, body: await res.text() };
      }),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 503]);
    const refused = answers.find((a) => a.status === 503)!;
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/MAX_HLS_SESSIONS/) });
    expect(live.stack.sfu.hls.activeCount).toBe(2);
    // A camera already on HLS keeps being served.
    const served = answers.find((a) => a.status === 200)!;
    expect((await adminFetch(live.stack.baseUrl, `/api/cameras/${served.id}/hls/index.m3u8`)).status).toBe(200);
  });

  it('a burst of camera:consume on one socket yields exactly MAX_CONSUMERS_PER_PEER consumers', async () => {
    const socket = browserSocket(live.stack.baseUrl);
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const joined = (await emit(socket, 'room:join', { roomId: 'wall:consumers' })) as Ack<{ routerRtpCapabilities: unknown }>;
      if (!joined.ok) throw new Error(joined.error.message);
      const transport = (await emit(socket, 'transport:create', { direction: 'recv' })) as Ack<{ id: string }>;
      if (!transport.ok) throw new Error(transport.error.message);
      const request = (cameraId: string) => ({
        transportId: transport.data.id,
        cameraId,
        kind: 'video',
        rtpCapabilities: joined.data.routerRtpCapabilities,
      });
      const acks = await Promise.all(Array.from({ length: 12 }, (_, i) => emit(socket, 'camera:consume', request(['h1', 'h2', 'h3'][i % 3]!))));
      expect(acks.filter((a) => a.ok)).toHaveLength(2);
      for (const a of acks.filter((x) => !x.ok)) {
        expect(a).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/too many consumers/) } });
      }
    } finally {
      socket.close();
    }
  });
});
