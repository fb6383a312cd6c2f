import type { RtpCapabilities } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { ingestRtpParameters } from '../src/media/codecs';
import { MediaPeer } from '../src/media/MediaPeer';
import { WorkerPool } from '../src/media/WorkerPool';

// CAMERA_VIEWER_BWE=off: a camera's viewer negotiates no congestion-control feedback, so its
// transport runs no bandwidth estimator (bench/fanout.mjs); on (the default) keeps it.
describe('MediaPeer: congestion control for viewers of a camera', () => {
  let pool: WorkerPool;
  const base = 47600 + 50 * Number(process.env.JEST_WORKER_ID ?? 1);

  beforeAll(async () => {
    pool = await WorkerPool.create({ workers: 1, rtcMinPort: base, rtcMaxPort: base + 49, logger: createLogger('test', { level: 'silent' }) });
  });
  afterAll(() => pool?.close());

  async function consumerParameters(simpleStreamBwe: boolean | undefined) {
    const router = pool.leastLoadedRouter();
    const ingest = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await ingest.produce({ kind: 'video', rtpParameters: ingestRtpParameters('video', 1111) });
    const peer = new MediaPeer('viewer', router, pool, { listenIp: '127.0.0.1', simpleStreamBwe }, () => undefined);
    try {
      const transport = await peer.createTransport();
      // A browser offers everything the router does: NACK, PLI, FIR, REMB, transport-cc.
      const consumer = await peer.consume(transport.id, producer, router, router.rtpCapabilities as RtpCapabilities);
      const video = consumer.rtpParameters.codecs.find((c) => c.mimeType === 'video/H264')!;
      return {
        feedback: (video.rtcpFeedback ?? []).map((f) => `${f.type} ${f.parameter ?? ''}`.trim()),
        extensions: (consumer.rtpParameters.headerExtensions ?? []).map((e) => e.uri),
      };
    } finally {
      peer.close();
      ingest.close();
    }
  }

  it('off: no transport-cc, REMB or their header extensions; NACK and PLI stay', async () => {
    const { feedback, extensions } = await consumerParameters(false);
    expect(feedback).toEqual(expect.arrayContaining(['nack', 'nack pli']));
    expect(feedback).not.toContain('transport-cc');
    expect(feedback).not.toContain('goog-remb');
    expect(extensions.some((u) => /transport-wide-cc|abs-send-time/.test(u))).toBe(false);
  });

  it('on (default): the browser keeps its congestion-control feedback', async () => {
    const { feedback, extensions } = await consumerParameters(undefined);
    expect(feedback).toContain('transport-cc');
    expect(extensions.some((u) => /transport-wide-cc/.test(u))).toBe(true);
  });
});
