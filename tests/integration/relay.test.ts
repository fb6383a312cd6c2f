import { execFileSync } from 'node:child_process';
import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

const PASSWORD = 'Relay-S3cret:p@ss';
const encoded = encodeURIComponent(PASSWORD);

/** ffmpeg processes whose command line mentions `needle`. */
function ffmpegPids(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `ffmpeg .*${needle}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function producerBytes(stack: Stack, id: string, kind: 'video' | 'audio' = 'video'): Promise<number> {
  const { producer } = stack.sfu.feeds.producerOf(id, kind);
  return (await producer.getStats()).reduce((n, s) => n + s.byteCount, 0);
}

const view = async (stack: Stack, id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;

// GStreamer RTSP cameras (Digest and Basic auth) -> the gateway's in-process RTP relay -> SFU.
describe('passthrough relay: RTSP camera -> gateway relay (no ffmpeg for H.264) -> SFU', () => {
  let stack: Stack;
  let digest: SimCamera;
  let basic: SimCamera;
  beforeAll(async () => {
    digest = await startSimCamera({ mounts: ['/cam', '/av=h264+aac', '/stall'], rtspAuth: { username: 'viewer', password: PASSWORD } });
    basic = await startSimCamera({ mounts: ['/cam'], rtspAuth: { username: 'viewer', password: PASSWORD, method: 'basic' } });
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
    process.kill(digest.pid, 'SIGCONT');
    await digest?.stop();
    await basic?.stop();
  });

  it('relays an H.264 camera behind Digest auth: online, RTP flowing, no ffmpeg for it', async () => {
    const url = digest.url('/cam', `viewer:${encoded}`);
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'relay-digest', name: 'digest', url, pull: 'always' })).status).toBe(201);
    await waitFor('relay-digest online', async () => (await cameraStatus(stack.baseUrl, 'relay-digest')) === 'online');
    expect(stack.gateway?.pulls.get('relay-digest')?.mode).toBe('relay');
    const first = await producerBytes(stack, 'relay-digest');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await producerBytes(stack, 'relay-digest')).toBeGreaterThan(first);
    expect(ffmpegPids(`${digest.port}/cam`)).toEqual([]);
    const health = await waitFor('health with fps', async () => {
      const h = (await view(stack, 'relay-digest')).health;
      return h?.fps && h.fps > 10 ? h : undefined;
    });
    expect(health).toMatchObject({ codec: 'h264', transcoding: false });
  });

  it('relays behind Basic auth too', async () => {
    const url = basic.url('/cam', `viewer:${encoded}`);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'relay-basic', name: 'basic', url, pull: 'always' });
    await waitFor('relay-basic online', async () => (await cameraStatus(stack.baseUrl, 'relay-basic')) === 'online');
    expect(stack.gateway?.pulls.get('relay-basic')?.mode).toBe('relay');
    await api(stack.baseUrl, 'DELETE', '/api/cameras/relay-basic');
  });

  it("turns a passthrough camera's AAC into Opus beside the relayed video", async () => {
    const url = digest.url('/av', `viewer:${encoded}`);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'relay-av', name: 'av', url, pull: 'always' });
    await waitFor('relay-av online', async () => (await cameraStatus(stack.baseUrl, 'relay-av')) === 'online');
    expect(stack.gateway?.pulls.get('relay-av')?.mode).toBe('relay');
    const audio = await waitFor('audio bytes', async () => {
      const b = await producerBytes(stack, 'relay-av', 'audio').catch(() => 0);
      return b > 0 ? b : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await producerBytes(stack, 'relay-av', 'audio')).toBeGreaterThan(audio);
    await api(stack.baseUrl, 'DELETE', '/api/cameras/relay-av');
  });

  it('a wrong password gives the fixed reason, and is retried with backoff', async () => {
    const url = digest.url('/cam', 'viewer:wrong-password');
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'relay-denied', name: 'denied', url, pull: 'always' });
    const offline = await waitFor('relay-denied offline', async () => {
      const v = await view(stack, 'relay-denied');
      return v.status === 'offline' ? v : undefined;
    });
    expect(offline.statusReason).toBe('authentication failed (401)');
    // Backoff 1 s, then 2 s (±20 %): the third attempt is not before ~2.4 s.
    const pull = stack.gateway!.pulls.get('relay-denied')!;
    const t0 = Date.now();
    await waitFor('two more attempts', () => (pull.restarts >= 3 ? true : undefined), 15_000);
    expect(Date.now() - t0).toBeGreaterThan(1500);
    expect((await view(stack, 'relay-denied')).statusReason).toBe('authentication failed (401)');
    await api(stack.baseUrl, 'DELETE', '/api/cameras/relay-denied');
  });

  it('a camera that stops sending (connection held) is restarted with backoff and comes back', async () => {
    const url = digest.url('/stall', `viewer:${encoded}`);
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'relay-stall', name: 'stall', url, pull: 'always' });
    await waitFor('relay-stall online', async () => (await cameraStatus(stack.baseUrl, 'relay-stall')) === 'online');
    // Frozen: the TCP connections stay open, nothing more arrives (as a hung camera does).
    process.kill(digest.pid, 'SIGSTOP');
    const pull = stack.gateway!.pulls.get('relay-stall')!;
    const restartsBefore = pull.restarts;
    try {
      const offline = await waitFor('relay-stall offline', async () => {
        const v = await view(stack, 'relay-stall');
        return v.status === 'offline' ? v : undefined;
      }, 15_000);
      expect(offline.statusReason).toMatch(/camera stopped sending|connection timed out/);
      // Retried while frozen: each attempt times out, with growing delays.
      await waitFor('retried', () => (pull.restarts >= restartsBefore + 2 ? true : undefined), 30_000);
    } finally {
      process.kill(digest.pid, 'SIGCONT');
    }
    await waitFor('relay-stall online again', async () => (await cameraStatus(stack.baseUrl, 'relay-stall')) === 'online', 40_000);
    await api(stack.baseUrl, 'DELETE', '/api/cameras/relay-stall');
  }, 120_000);

  it('never logs the password', () => {
    expect(stack.logs.text).not.toContain(PASSWORD);
    expect(stack.logs.text).not.toContain(encoded);
    expect(stack.logs.text).not.toContain('Relay-S3cret');
  });
});
