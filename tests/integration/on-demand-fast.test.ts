import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, browserSocket, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

// An on-demand camera back from idle starts from the gateway's cached probe: no ffprobe
// (no analysis, no wait for a keyframe to look at), so its first viewer waits less.
// ON_DEMAND_FAST_RUNS=5 gives the numbers in docs/media.md.
const RUNS = Number(process.env.ON_DEMAND_FAST_RUNS ?? 2);

describe('on-demand camera restart from idle', () => {
  let stack: Stack;
  let camera: SimCamera;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/odf'] });
    stack = await startStack({ env: { ON_DEMAND_GRACE_S: '2' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
  });

  const view = async (id: string) => (await api(stack.baseUrl, 'GET', `/api/cameras/${id}`)).json as CameraView;
  /** The gateway's debug lines about probing this camera. */
  const probeLines = (msg: string) =>
    stack.logs.lines.filter((l) => {
      try {
        const o = JSON.parse(l) as { msg?: string; cameraId?: string };
        return o.msg === msg && o.cameraId === 'odf';
      } catch {
        return false;
      }
    }).length;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it('starts again without ffprobe, faster than a first start', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'odf', name: '按需快启', url: camera.url('/odf') });
    // A new camera is pulled at once, then idles after the grace period.
    await waitFor('odf pulled', () => stack.gateway?.pulls.has('odf'));
    await waitFor('odf idle', async () => (await view('odf')).status === 'idle', 15_000);
    await waitFor('its pull gone', () => !stack.gateway?.pulls.has('odf'), 10_000);

    const socket = browserSocket(stack.baseUrl);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('room:join', { roomId: 'wall:main' });

    const first: number[] = [];
    const restart: number[] = [];
    try {
      for (let i = 0; i < 2 * RUNS; i++) {
        const cold = i % 2 === 0;
        // A first start: the gateway has never seen the camera.
        if (cold) stack.gateway?.probes.clear();
        const probingBefore = probeLines('probing');
        const reusedBefore = probeLines('probe reused');
        const t0 = Date.now();
        expect(await socket.emitWithAck('camera:watch', { cameraIds: ['odf'] })).toEqual({ ok: true, data: null });
        await waitFor('odf online', async () => (await cameraStatus(stack.baseUrl, 'odf')) === 'online', 30_000);
        const ms = Date.now() - t0;
        (cold ? first : restart).push(ms);
        if (cold) {
          expect(probeLines('probing') - probingBefore).toBe(1);
        } else {
          // Back from idle: the cached probe, no ffprobe.
          expect(probeLines('probing') - probingBefore).toBe(0);
          expect(probeLines('probe reused') - reusedBefore).toBe(1);
        }
        // Released: idle after the grace period, its pull destroyed.
        expect(await socket.emitWithAck('camera:watch', { cameraIds: [] })).toEqual({ ok: true, data: null });
        await waitFor('odf idle', async () => (await view('odf')).status === 'idle', 15_000);
        await waitFor('its pull gone', () => !stack.gateway?.pulls.has('odf'), 10_000);
      }
    } finally {
      socket.close();
      // eslint-disable-next-line no-console
      if (!restart.length) console.log(stack.logs.lines.filter((l) => l.includes('odf')).join(''));
    }
    // eslint-disable-next-line no-console
    console.log(
      `camera:watch -> online: first start ${first.join(', ')} ms (median ${median(first)}); ` +
        `restart from idle ${restart.join(', ')} ms (median ${median(restart)})`,
    );
    // Generous: the restart skips at least the probe (~1 s of analysis plus up to a GOP).
    expect(median(restart) < median(first) || median(restart) < 3000).toBe(true);
    // Never the URL in a log line about the cache.
    expect(stack.logs.lines.filter((l) => /probe reused|probing/.test(l)).join('')).not.toContain('rtsp://');
  }, 60_000 + RUNS * 40_000);
});
