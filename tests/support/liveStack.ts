import type { Browser } from 'playwright-core';
import type { CameraInputBody } from '@county/shared';
import { launchChromium } from './browser';
import { startSimCamera, type SimCamera } from './simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from './stack';

export interface Live {
  stack: Stack;
  camera: SimCamera;
  browser: Browser;
}

/**
 * The usual fixture of a suite: a GStreamer camera serving `mounts`, the real stack, Chromium
 * if asked, and `cameras` added and online before the first test; all stopped after the last.
 */
export function liveStack(opts: {
  mounts: string[];
  cameras: (camera: SimCamera) => CameraInputBody[];
  browser?: boolean;
  env?: NodeJS.ProcessEnv;
}): Live {
  const live = {} as Live;
  beforeAll(async () => {
    live.camera = await startSimCamera({ mounts: opts.mounts });
    live.stack = await startStack({ ui: opts.browser, env: opts.env });
    if (opts.browser) live.browser = await launchChromium();
    const cameras = opts.cameras(live.camera);
    for (const c of cameras) expect((await api(live.stack.baseUrl, 'POST', '/api/cameras', c)).status).toBe(201);
    for (const c of cameras) {
      await waitFor(`${c.id} online`, async () => (await cameraStatus(live.stack.baseUrl, c.id)) === 'online', 45_000);
    }
  }, 120_000);
  afterAll(async () => {
    await live.browser?.close();
    await live.stack?.stop();
    await live.camera?.stop();
  });
  return live;
}
