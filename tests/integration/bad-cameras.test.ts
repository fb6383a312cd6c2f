import net from 'node:net';
import { CAMERA_FAILURE_REASONS, type CameraView } from '@county/shared';
import { api, startStack, waitFor, type Stack } from '../support/stack';

/** A TCP server on 127.0.0.1 that answers every request with `reply(request)`. */
async function fakeRtspServer(reply: (request: string) => string | Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (d) => socket.write(reply(d.toString('latin1'))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cseq = (req: string) => /CSeq:\s*(\d+)/i.exec(req)?.[1] ?? '1';
/** Text only the remote sends: it must never reach an API answer. */
const MARKER = 'REMOTE-SAYS-7f3a9c';

// Servers that are not good cameras: the camera goes offline with a reason from a fixed set
// (never the remote's own words), the URL's credentials stay out of it, and the rest carries on.
describe('cameras that answer badly', () => {
  let stack: Stack;
  const servers: { close: () => Promise<void> }[] = [];
  beforeAll(async () => {
    stack = await startStack({ env: { CAMERA_NETWORKS: '127.0.0.0/8' } });
  });
  afterAll(async () => {
    await stack?.stop();
    for (const s of servers) await s.close();
  });

  async function offlineReason(id: string): Promise<string> {
    const view = await waitFor(`${id} offline`, async () => {
      const v = (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;
      return v.status === 'offline' ? v : undefined;
    });
    const reason = view.statusReason ?? '';
    expect(CAMERA_FAILURE_REASONS).toContain(reason);
    const all = await api(stack.baseUrl, 'GET', '/api/cameras');
    expect(all.text).not.toContain(MARKER);
    return reason;
  }

  it('401 Unauthorized -> offline, reason says so', async () => {
    const s = await fakeRtspServer((req) => `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq(req)}\r\nWWW-Authenticate: Basic realm="${MARKER}"\r\n\r\n`);
    servers.push(s);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'locked', name: '密码错', url: `rtsp://admin:WrongPass1@127.0.0.1:${s.port}/live` });
    const reason = await offlineReason('locked');
    expect(reason).toBe('authentication failed (401)');
    expect(reason).not.toContain('WrongPass1');
  });

  it('garbage -> offline, reason says so', async () => {
    const s = await fakeRtspServer(() => Buffer.from(`HTTP/1.1 200 ${MARKER}\r\n\r\n\x00\x01\x02 ${MARKER} is not RTSP \xff\xfe`.repeat(4), 'latin1'));
    servers.push(s);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'junk', name: '乱码', url: `rtsp://127.0.0.1:${s.port}/live` });
    expect(await offlineReason('junk')).toBe('not an RTSP server / invalid data');
  });

  it("404 with the server's own phrase -> 'stream not found (404)', the phrase stays out", async () => {
    const s = await fakeRtspServer((req) => `RTSP/1.0 404 ${MARKER} no such stream\r\nCSeq: ${cseq(req)}\r\n\r\n`);
    servers.push(s);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'gone', name: '无此流', url: `rtsp://admin:p@ss@127.0.0.1:${s.port}/live` });
    expect(await offlineReason('gone')).toBe('stream not found (404)');
  });

  it("a closed port -> 'connection refused'", async () => {
    const s = await fakeRtspServer(() => '');
    await s.close(); // the port is free again: nothing listens there
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'closed', name: '端口关闭', url: `rtsp://127.0.0.1:${s.port}/live` });
    expect(await offlineReason('closed')).toBe('connection refused');
  });

  it('a server that accepts and never answers -> offline within the I/O timeout', async () => {
    const s = await fakeRtspServer(() => '');
    servers.push(s);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'mute', name: '无响应', url: `rtsp://127.0.0.1:${s.port}/live` });
    expect(await offlineReason('mute')).toBe('connection timed out');
    expect((await api(stack.baseUrl, 'GET', '/api/health')).json).toMatchObject({ status: 'ok' });
  }, 60_000);
});
