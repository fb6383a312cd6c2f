import fs from 'node:fs';
import path from 'node:path';
import { junkFirstFfmpeg, type WrappedFfmpeg } from '../support/ffmpegWrappers';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, cameraStatus, startStack, waitFor, type Stack } from '../support/stack';

// Another host on the LAN (127.0.0.2 here) and another program on the gateway's own host
// send UDP to the ingest ports before the gateway's ffmpeg does. The ingest takes RTP only
// from the ports the gateway declared, so the camera still comes online with its picture.
describe('ingest source address', () => {
  let stack: Stack;
  let camera: SimCamera;
  let ffmpeg: WrappedFfmpeg;
  beforeAll(async () => {
    camera = await startSimCamera({ mounts: ['/src'] });
    ffmpeg = junkFirstFfmpeg();
    stack = await startStack({ tools: ffmpeg.tools });
  });
  afterAll(async () => {
    await stack?.stop();
    await camera?.stop();
    fs.rmSync(ffmpeg.dir, { recursive: true, force: true });
  });

  it('junk sent to the ingest port first does not take the camera over', async () => {
    await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'src', name: 'junk first', url: camera.url(), pull: 'always' });
    await waitFor('online', async () => (await cameraStatus(stack.baseUrl, 'src')) === 'online', 20_000);
    // The junk really went first: the wrapper sends it before it runs ffmpeg.
    expect(fs.readFileSync(path.join(ffmpeg.dir, 'junk.log'), 'utf8')).toMatch(/^sent \d+/);
    // ...and the camera's own RTP reaches the producer (a 25 fps stream: hundreds of packets).
    await waitFor('the camera\'s RTP reaching the producer', async () => {
      const { producer } = stack.sfu.feeds.producerOf('src');
      const stats = await producer.getStats();
      return stats.reduce((n, s) => n + s.packetCount, 0) > 100;
    }, 15_000);
    expect(stack.gateway?.pulls.get('src')?.restarts).toBe(0);
  });
});
