import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, gatewayTools, isAlive, startStack, waitFor, type Stack } from '../support/stack';

// Recovery without an operator when the gateway's own ffmpeg fails: killed outright, or
// hung (SIGSTOP: alive but sending nothing, which only the SFU's silence watchdog can see).
// The gateway runs its ffmpeg passthrough here (GATEWAY_PASSTHROUGH=ffmpeg, also what every
// re-encoded camera runs); the relay's own failures are in relay.test.ts.
describe('ffmpeg failures', () => {
  let stack: Stack;
  let camera: SimCamera;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/w'] });
    stack = await startStack({ env: { CAMERA_SILENCE_S: '2' }, tools: { ...gatewayTools(), passthrough: 'ffmpeg' } });
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'w', name: 'watchdog', url: camera.url(), pull: 'always' });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'w')) === 'online');
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
  });

  const pid = () => stack.gateway?.pulls.get('w')?.pid;

  it('a killed ffmpeg is replaced and the camera comes back', async () => {
    const first = pid()!;
    process.kill(first, 'SIGKILL');
    await waitFor('a new ffmpeg', () => pid() !== undefined && pid() !== first, 10_000);
    await waitFor('online again', async () => (await cameraStatus(stack.baseUrl, 'w')) === 'online', 10_000);
    expect(isAlive(first)).toBe(false);
  });

  it('a hung ffmpeg (no RTP) is noticed by the silence watchdog, killed and replaced', async () => {
    await new Promise((r) => setTimeout(r, 3000)); // let the previous pull count as running
    const hung = pid()!;
    const { producer } = stack.sfu.feeds.producerOf('w');
    process.kill(hung, 'SIGSTOP');
    try {
      await waitFor('the old producer closed', () => producer.closed, 15_000);
      await waitFor('hung ffmpeg gone', () => !isAlive(hung), 10_000);
      await waitFor('online again', async () => (await cameraStatus(stack.baseUrl, 'w')) === 'online', 15_000);
      const { producer: fresh } = stack.sfu.feeds.producerOf('w');
      expect(fresh).not.toBe(producer);
    } finally {
      if (isAlive(hung)) process.kill(hung, 'SIGKILL');
    }
  }, 60_000);
});
