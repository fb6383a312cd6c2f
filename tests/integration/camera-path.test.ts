import { execFileSync } from 'node:child_process';
import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, browserSocket, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

/** ffmpeg processes (any owner) whose command line mentions `needle`. */
function ffmpegPids(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `ffmpeg .*${needle}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Established TCP connections from this host to the camera's RTSP port (the gateway's sessions). */
function rtspSessions(port: number): number {
  return execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
}

// Real parts end to end: GStreamer RTSP camera -> gateway's relay (H.264 passes through, no
// ffmpeg) -> mediasoup PlainTransport.
describe('camera path: RTSP camera -> camera-gateway (relay) -> SFU', () => {
  let stack: Stack;
  let camera: SimCamera;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/cam', '/secret'] });
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
  });

  it('brings a camera online with RTP flowing into its producer, through one RTSP session and no ffmpeg', async () => {
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'site-a', name: '工地A', url: camera.url('/cam') })).status).toBe(201);
    await waitFor('site-a online', async () => (await cameraStatus(stack.baseUrl, 'site-a')) === 'online');
    const { producer } = stack.sfu.feeds.producerOf('site-a');
    const bytes = async () => (await producer.getStats()).reduce((n, s) => n + s.byteCount, 0);
    const first = await waitFor('RTP bytes', async () => ((await bytes()) > 0 ? bytes() : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await bytes()).toBeGreaterThan(first);
    expect(stack.gateway?.pulls.size).toBe(1);
    expect(stack.gateway?.pulls.get('site-a')?.mode).toBe('relay');
    expect(ffmpegPids(`${camera.port}/cam`)).toEqual([]);
    expect(rtspSessions(camera.port)).toBe(1);
  });

  it('deleting a camera ends its RTSP session and closes its producer', async () => {
    expect(stack.gateway?.pulls.get('site-a')?.running).toBe(true);
    const { producer } = stack.sfu.feeds.producerOf('site-a');
    expect((await api(stack.baseUrl, 'DELETE', '/api/cameras/site-a')).status).toBe(204);
    await waitFor('RTSP session gone', () => rtspSessions(camera.port) === 0, 10_000);
    expect(producer.closed).toBe(true);
    expect(stack.gateway?.pulls.size).toBe(0);
    expect(ffmpegPids(`${camera.port}/cam `)).toEqual([]);
  });

  it('an unreachable camera goes offline with a reason; the server and other cameras carry on', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'ok-cam', name: '正常', url: camera.url('/cam') });
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'dead-cam', name: '断线', url: 'rtsp://127.0.0.1:9/nothing' });
    const dead = await waitFor('dead-cam offline', async () => {
      const r = await api(stack.baseUrl, 'GET', '/api/cameras/dead-cam');
      const view = r.json as CameraView;
      return view.status === 'offline' ? view : undefined;
    });
    expect(dead.statusReason).toMatch(/refused/i);
    await waitFor('ok-cam online', async () => (await cameraStatus(stack.baseUrl, 'ok-cam')) === 'online');
    expect((await api(stack.baseUrl, 'GET', '/api/health')).json).toMatchObject({ status: 'ok' });
    await api(stack.baseUrl, 'DELETE', '/api/cameras/dead-cam');
    await api(stack.baseUrl, 'DELETE', '/api/cameras/ok-cam');
  });

  it('keeps camera credentials out of API responses, socket messages and logs', async () => {
    const socket = browserSocket(stack.baseUrl);
    const messages: string[] = [];
    socket.onAny((event: string, ...args: unknown[]) => messages.push(`${event} ${JSON.stringify(args)}`));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('room:join', { roomId: 'wall:main' });

    // A camera with credentials that works, and one whose credentials point nowhere.
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'cred-ok', name: 'x', url: camera.url('/secret', 'admin:S3cretPa55') });
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'cred-bad', name: 'y', url: 'rtsp://root:An0therS3cret@127.0.0.1:9/x' });
    await waitFor('cred-ok online', async () => (await cameraStatus(stack.baseUrl, 'cred-ok')) === 'online');
    await waitFor('cred-bad offline', async () => (await cameraStatus(stack.baseUrl, 'cred-bad')) === 'offline');
    const responses = [
      (await api(stack.baseUrl, 'GET', '/api/cameras')).text,
      (await api(stack.baseUrl, 'GET', '/api/cameras/cred-bad')).text,
    ].join('\n');
    socket.close();
    for (const secret of ['S3cretPa55', 'An0therS3cret']) {
      expect(responses).not.toContain(secret);
      expect(messages.join('\n')).not.toContain(secret);
      expect(stack.logs.text).not.toContain(secret);
    }
    expect(messages.some((m) => m.startsWith('camera:updated'))).toBe(true);
    await api(stack.baseUrl, 'DELETE', '/api/cameras/cred-ok');
    await api(stack.baseUrl, 'DELETE', '/api/cameras/cred-bad');
  });

  it('recovers by itself when a mediasoup worker dies', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'crash', name: '崩溃恢复', url: camera.url('/cam') });
    await waitFor('crash online', async () => (await cameraStatus(stack.baseUrl, 'crash')) === 'online');
    const before = stack.sfu.feeds.producerOf('crash').producer;
    const pids = stack.sfu.pool.workerPids;
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await waitFor('workers replaced', () => stack.sfu.pool.workerPids.every((p) => !pids.includes(p)) && stack.sfu.pool.workerCount === 2);
    await waitFor('a new producer with RTP', async () => {
      try {
        const { producer } = stack.sfu.feeds.producerOf('crash');
        if (producer === before) return undefined;
        return (await producer.getStats()).some((s) => s.byteCount > 0);
      } catch {
        return undefined;
      }
    });
    expect(before.closed).toBe(true);
    expect(await cameraStatus(stack.baseUrl, 'crash')).toBe('online');
    expect((await api(stack.baseUrl, 'GET', '/api/health')).json).toMatchObject({ status: 'ok', workers: 2 });
    await api(stack.baseUrl, 'DELETE', '/api/cameras/crash');
  });

  it('recovers by itself when the camera goes away and comes back', async () => {
    const flaky = await startSimCamera({ mounts: ['/flaky'] });
    const port = flaky.port;
    try {
      await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'flaky', name: '时断时续', url: flaky.url() });
      await waitFor('flaky online', async () => (await cameraStatus(stack.baseUrl, 'flaky')) === 'online');
      await flaky.stop();
      await waitFor('flaky offline', async () => (await cameraStatus(stack.baseUrl, 'flaky')) === 'offline', 15_000);
      const back = await startSimCamera({ port, mounts: ['/flaky'] });
      try {
        await waitFor('flaky online again', async () => (await cameraStatus(stack.baseUrl, 'flaky')) === 'online', 30_000);
      } finally {
        await api(stack.baseUrl, 'DELETE', '/api/cameras/flaky');
        await back.stop();
      }
    } finally {
      await flaky.stop();
    }
  });
});
