import { io, type Socket } from 'socket.io-client';
import { INGEST_NAMESPACE, type CameraAssignment, type GatewayToServerEvents, type ServerToGatewayEvents } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { CameraGateway } from '../../camera-gateway/src/CameraGateway';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, GATEWAY_TOKEN, gatewayTools, startStack, waitFor, type Stack } from '../support/stack';

type GatewaySocket = Socket<ServerToGatewayEvents, GatewayToServerEvents>;

function gatewaySocket(baseUrl: string, auth: Record<string, unknown>): GatewaySocket {
  return io(`${baseUrl}${INGEST_NAMESPACE}`, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
}

/** Resolves with the handshake's outcome: 'connected' or the server's error message. */
function handshake(socket: GatewaySocket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

// Two real gateways (ids gw-a and gw-b) split four cameras of one GStreamer camera server by
// rendezvous hashing on their ids: gi-3 and gi-4 go to gw-a, gi-1 and gi-2 to gw-b.
describe('gateway identity', () => {
  let stack: Stack;
  let camera: SimCamera;
  let gwA: CameraGateway;
  let gwB: CameraGateway;
  /** Every camera id ever assigned to gw-b. */
  const assignedToB = new Set<string>();
  const ids = ['gi-1', 'gi-2', 'gi-3', 'gi-4'];
  const ofA = ['gi-3', 'gi-4'];
  const ofB = ['gi-1', 'gi-2'];

  const gateway = (gatewayId: string) =>
    new CameraGateway({
      sfuUrl: stack.baseUrl,
      token: GATEWAY_TOKEN,
      gatewayId,
      tools: gatewayTools(),
      logger: createLogger('test', { destination: stack.logs, level: 'debug' }),
    });
  const allOnline = (which: string[]) =>
    waitFor(`${which.join(', ')} online`, async () => {
      for (const id of which) if ((await cameraStatus(stack.baseUrl, id)) !== 'online') return false;
      return true;
    }, 30_000);
  /** The SFU's end of a gateway's link (a socket has the same id at both ends). */
  const serverSocketOf = (g: CameraGateway) => stack.sfu.io.of(INGEST_NAMESPACE).sockets.get(g.client.socket.id ?? '');

  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ids.map((id) => `/${id}`) });
    stack = await startStack({ gateway: false });
    gwA = gateway('gw-a');
    gwB = gateway('gw-b');
    gwB.client.socket.on('ingest:assign', (cams: CameraAssignment[]) => cams.forEach((c) => assignedToB.add(c.id)));
    await waitFor('both gateways connected', () => gwA.client.socket.connected && gwB.client.socket.connected);
    for (const id of ids) {
      expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id, name: id, url: camera.url(`/${id}`), pull: 'always' })).status).toBe(201);
    }
    await allOnline(ids);
  }, 90_000);
  afterAll(async () => {
    await gwA?.close();
    await gwB?.close();
    await stack?.stop();
    await camera?.stop();
  });

  it('splits the cameras by gateway id', () => {
    expect([...gwA.pulls.keys()].sort()).toEqual(ofA);
    expect([...gwB.pulls.keys()].sort()).toEqual(ofB);
  });

  it('a gateway whose link drops (network blip) keeps its cameras and its running pulls', async () => {
    // The same runs: the same ingest generation each (a relay run has no pid to compare).
    const runs = ofA.map((id) => gwA.pulls.get(id)?.generation);
    expect(runs.every((g) => g !== undefined)).toBe(true);
    const before = gwA.client.socket.id;
    serverSocketOf(gwA)!.conn.close(); // the TCP link goes; the gateway reconnects by itself
    await waitFor('gw-a reconnected', () => gwA.client.socket.connected && gwA.client.socket.id !== before, 15_000);
    await allOnline(ids);
    // Give a wrong reassignment time to show.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ofA.filter((id) => assignedToB.has(id))).toEqual([]);
    expect([...gwA.pulls.keys()].sort()).toEqual(ofA);
    expect(ofA.map((id) => gwA.pulls.get(id)?.generation)).toEqual(runs);
  });

  it('a gateway that disconnects and connects again keeps its cameras', async () => {
    const before = gwA.client.socket.id;
    gwA.client.socket.disconnect().connect();
    await waitFor('gw-a reconnected', () => gwA.client.socket.connected && gwA.client.socket.id !== before, 15_000);
    await allOnline(ids);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ofA.filter((id) => assignedToB.has(id))).toEqual([]);
    expect([...gwA.pulls.keys()].sort()).toEqual(ofA);
  });

  it('rejects a handshake without a valid gateway id', async () => {
    for (const auth of [{ token: GATEWAY_TOKEN }, { token: GATEWAY_TOKEN, gatewayId: 'Not A Slug!' }, { token: GATEWAY_TOKEN, gatewayId: 'x'.repeat(65) }]) {
      const s = gatewaySocket(stack.baseUrl, auth);
      try {
        expect(await handshake(s)).toMatch(/gatewayId/);
      } finally {
        s.close();
      }
    }
    const wrongToken = gatewaySocket(stack.baseUrl, { token: 'wrong-token-0123456789', gatewayId: 'gw-c' });
    try {
      expect(await handshake(wrongToken)).toBe('unauthorized');
    } finally {
      wrongToken.close();
    }
  });

  it('a second connection with the same id takes over; the older one is dropped', async () => {
    const twin = gatewaySocket(stack.baseUrl, { token: GATEWAY_TOKEN, gatewayId: 'gw-a' });
    try {
      const assigned = new Promise<string[]>((resolve) => twin.once('ingest:assign', (cams) => resolve(cams.map((c) => c.id).sort())));
      expect(await handshake(twin)).toBe('connected');
      expect(await assigned).toEqual(ofA);
      await waitFor('the older gw-a connection dropped', () => !gwA.client.socket.connected, 5000);
      // The SFU will not take the older one back by itself: it stops its pulls.
      await waitFor('the older gw-a stops pulling', () => gwA.pulls.size === 0, 10_000);
      expect(ofA.filter((id) => assignedToB.has(id))).toEqual([]);
    } finally {
      twin.close();
    }
    // Gone for good (longer than the grace period): its cameras move to gw-b.
    await waitFor('gw-b pulls every camera', () => ofA.every((id) => gwB.pulls.has(id)), 30_000);
    await allOnline(ids);
  }, 60_000);
});
