import fs from 'node:fs';
import { wrongSsrcFfmpeg, type WrappedFfmpeg } from '../support/ffmpegWrappers';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

// ffmpeg runs and sends RTP to the ingest, but stamped with an SSRC no producer takes: the
// camera's producer never gets a byte. Such a camera must not sit there (as "online" or
// "connecting") forever: after CAMERA_NO_MEDIA_S the SFU drops the ingest and the gateway
// starts the pull again.
describe('a camera whose ingest gets no media', () => {
  let stack: Stack;
  let camera: SimCamera;
  let ffmpeg: WrappedFfmpeg;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/void'] });
    ffmpeg = wrongSsrcFfmpeg();
    stack = await startStack({ tools: ffmpeg.tools, env: { CAMERA_NO_MEDIA_S: '3' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
    fs.rmSync(ffmpeg.dir, { recursive: true, force: true });
  });

  it('is restarted after CAMERA_NO_MEDIA_S and never reported online', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'void', name: 'no media', url: camera.url(), pull: 'always' });
    const pull = () => stack.gateway?.pulls.get('void');
    const firstPid = await waitFor('ffmpeg running', () => pull()?.pid, 15_000);
    const seen = new Set<string>();
    const poll = setInterval(() => {
      cameraStatus(stack.baseUrl, 'void').then(
        (s) => s && seen.add(s),
        () => undefined,
      );
    }, 250);
    try {
      // 3 s without media, checked every 2 s: restarted well within 12 s.
      await waitFor('the pull restarted', () => pull()?.pid !== undefined && pull()?.pid !== firstPid, 12_000);
      expect(pull()?.restarts).toBeGreaterThanOrEqual(1);
      expect(stack.logs.text).toMatch(/no video 3 s after the ingest opened/);
    } finally {
      clearInterval(poll);
    }
    expect(seen.has('online')).toBe(false);
  }, 40_000);
});
