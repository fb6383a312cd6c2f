import type { Socket } from 'socket.io-client';
import type { Ack, CameraView, ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { api, browserSocket, startStack, waitFor, type Stack } from '../support/stack';

type BrowserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

async function connected(socket: BrowserSocket): Promise<BrowserSocket> {
  if (!socket.connected) await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

const emit = (socket: BrowserSocket, event: string, payload: unknown) =>
  socket.timeout(10_000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<unknown>>;

// Per-browser and node-wide caps hold under bursts: a limit is claimed before any await,
// so concurrent requests cannot pass it together, and nothing a request made outlives its
// browser. A real SFU with real mediasoup workers; no gateway (no camera media needed).
describe('limits under bursts', () => {
  let stack: Stack;
  const sockets: BrowserSocket[] = [];
  beforeAll(async () => {
    stack = await startStack({ gateway: false, env: { MAX_TRANSPORTS_PER_PEER: '4', MAX_ON_DEMAND_PULLS: '3' } });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.stop();
  });

  async function joined(roomId: string): Promise<BrowserSocket> {
    const socket = await connected(browserSocket(stack.baseUrl));
    sockets.push(socket);
    expect(await emit(socket, 'room:join', { roomId })).toMatchObject({ ok: true });
    return socket;
  }

  it('a burst of 20 transport:create on one socket yields exactly MAX_TRANSPORTS_PER_PEER transports', async () => {
    const before = await stack.sfu.pool.transportCount();
    const socket = await joined('wall:burst');
    const acks = await Promise.all(Array.from({ length: 20 }, () => emit(socket, 'transport:create', { direction: 'recv' })));
    expect(acks.filter((a) => a.ok)).toHaveLength(4);
    for (const a of acks.filter((x) => !x.ok)) {
      expect(a).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/too many transports/) } });
    }
    expect((await stack.sfu.pool.transportCount()) - before).toBe(4);
    socket.close();
    await waitFor('the transports closed with the socket', async () => (await stack.sfu.pool.transportCount()) === before);
  });

  it('a socket that disconnects while its transports are being created leaves none behind', async () => {
    const before = await stack.sfu.pool.transportCount();
    for (let round = 0; round < 5; round++) {
      const socket = await joined(`wall:leave-${round}`);
      // Sent, then the socket goes at once: the worker is still creating them when the server hears of it.
      for (let i = 0; i < 20; i++) socket.emit('transport:create', { direction: 'recv' }, () => undefined);
      socket.disconnect();
    }
    // Every leaked transport would keep this count above `before` for good.
    await waitFor('no transport left in any router', async () => (await stack.sfu.pool.transportCount()) === before, 5000);
    await new Promise((r) => setTimeout(r, 500)); // and none appears late
    expect(await stack.sfu.pool.transportCount()).toBe(before);
  });

  describe('MAX_ON_DEMAND_PULLS', () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const view = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;
    const activeIds = async () => (await Promise.all(ids.map(view))).filter((v) => v.active).map((v) => v.id);

    beforeAll(async () => {
      for (const id of ids) {
        expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id, name: id, url: `rtsp://127.0.0.1:9/${id}` })).status).toBe(201);
      }
      // New cameras are pulled for a grace period; past the limit the oldest give way at once.
      await waitFor('at most 3 pulled', async () => (await activeIds()).length <= 3);
    });

    it('refuses camera:watch beyond the limit with a clear error, changing nothing', async () => {
      const wall = await connected(browserSocket(stack.baseUrl));
      const other = await connected(browserSocket(stack.baseUrl));
      sockets.push(wall, other);
      expect(await emit(wall, 'camera:watch', { cameraIds: ['p1', 'p2', 'p3'] })).toEqual({ ok: true, data: null });
      await waitFor('p1-p3 pulled, nothing else', async () => (await activeIds()).join() === 'p1,p2,p3');

      const refused = await emit(other, 'camera:watch', { cameraIds: ['p4'] });
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/MAX_ON_DEMAND_PULLS/) } });
      expect(stack.sfu.demand.holderCount('p4')).toBe(0);

      // Replacing its own set with one camera too many: refused as a whole, the old set stays.
      const more = await emit(wall, 'camera:watch', { cameraIds: ['p1', 'p2', 'p3', 'p4'] });
      expect(more).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      for (const id of ['p1', 'p2', 'p3']) expect(stack.sfu.demand.holderCount(id)).toBe(1);
      expect(await activeIds()).toEqual(['p1', 'p2', 'p3']);

      // Within the limit a wall can swap cameras: the one let go gives way to the new one.
      expect(await emit(wall, 'camera:watch', { cameraIds: ['p1', 'p2', 'p4'] })).toEqual({ ok: true, data: null });
      await waitFor('p1, p2, p4 pulled', async () => (await activeIds()).join() === 'p1,p2,p4');
      wall.close();
      other.close();
    });

    it('two concurrent watches that together pass the limit: exactly one is refused', async () => {
      const a = await connected(browserSocket(stack.baseUrl));
      const b = await connected(browserSocket(stack.baseUrl));
      sockets.push(a, b);
      const [ra, rb] = await Promise.all([
        emit(a, 'camera:watch', { cameraIds: ['p1', 'p2'] }),
        emit(b, 'camera:watch', { cameraIds: ['p3', 'p5'] }),
      ]);
      expect([ra.ok, rb.ok].sort()).toEqual([false, true]);
      expect(stack.sfu.demand.heldCount).toBeLessThanOrEqual(3);
      await waitFor('at most 3 pulled', async () => (await activeIds()).length <= 3);
    });
  });
});
