import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CameraView } from '@county/shared';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, gatewayTools, startStack, waitFor, type Stack } from '../support/stack';

// A camera whose audio ffmpeg cannot turn into Opus must still show its picture. No real
// codec here fails that way, so ffmpeg is wrapped: the wrapper fails whenever it is asked to
// encode Opus and runs the real ffmpeg otherwise (the camera, RTSP and the SFU are real).
describe('camera audio that cannot be converted', () => {
  let stack: Stack;
  let camera: SimCamera;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-ffwrap-'));
    const real = gatewayTools();
    const wrapper = path.join(dir, 'ffmpeg');
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *libopus*) echo "Error: audio encoder failed" >&2; exit 1;; esac\nexec ${real.ffmpegPath} "$@"\n`,
      { mode: 0o755 },
    );
    camera = await startSimCamera({ mounts: ['/odd=h264+aac'] });
    stack = await startStack({ tools: { ffmpegPath: wrapper, ffprobePath: real.ffprobePath } });
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('falls back to video only after ffmpeg fails twice with audio', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'odd', name: '怪音频', url: camera.url(), pull: 'always' });
    const view = await waitFor(
      'online without audio',
      async () => {
        const v = (await api(stack.baseUrl, 'GET', '/api/cameras/odd')).json as CameraView;
        return v.status === 'online' ? v : undefined;
      },
      30_000,
    );
    expect(() => stack.sfu.feeds.producerOf('odd', 'audio')).toThrow(/no live audio/);
    expect(stack.sfu.feeds.producerOf('odd', 'video').producer.closed).toBe(false);
    expect(stack.gateway?.pulls.get('odd')?.restarts).toBeGreaterThanOrEqual(2);
    expect(view.status).toBe('online');
  });
});
