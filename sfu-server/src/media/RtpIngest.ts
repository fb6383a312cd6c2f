import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { types } from 'mediasoup';
import type { RtpEndpoint } from '@county/shared';
import { INGEST_PAYLOAD_TYPE, ingestRtpParameters } from './codecs';
import type { IngestTransport, IngestTransportOptions } from './IngestTransport';

export type RtpIngestOptions = IngestTransportOptions;

/** Traced on a video producer once it flows: keyframes in, keyframe requests out (PLI/FIR towards the source). */
const VIDEO_TRACES: types.ProducerTraceEventType[] = ['keyframe', 'pli', 'fir'];

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');
const isWildcard = (ip: string) => ip === '0.0.0.0' || ip === '::';

/**
 * The address a source's packets will carry, given the address it reached us from on
 * another channel (a gateway's socket.io connection). IPv4-mapped IPv6 is unwrapped, and a
 * source on this very host sends from the address it sends to (the kernel picks the local
 * destination as source), which need not be the loopback it signalled over.
 */
export function expectedSourceIp(peerIp: string, options: Pick<RtpIngestOptions, 'listenIp' | 'announcedIp'>): string {
  const ip = peerIp.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isLoopback(ip)) return ip;
  const target = options.announcedIp ?? options.listenIp;
  if (!isWildcard(target)) return target;
  return net.isIPv6(target) ? '::1' : '127.0.0.1';
}

/** Whether a source at `ip` can reach a transport listening on `listenIp` (same address family). */
export function reachable(ip: string, listenIp: string): boolean {
  return net.isIPv6(ip) === net.isIPv6(listenIp);
}

/**
 * One stream (video or audio) of a plain-RTP source (a camera restreamed by a gateway): one
 * producer on the source's `IngestTransport`, which it shares with the source's other stream.
 * It knows nothing of cameras, walls or meetings: its owner names it (`sourceId`) and listens
 * for `flowing` (first RTP taken by the producer) and `close`.
 */
export class RtpIngest extends EventEmitter<{
  flowing: [];
  close: [];
  keyframe: [];
  /** The worker asked the source for a keyframe (PLI/FIR: a consumer started, or a viewer lost the picture). */
  keyframeRequest: [];
}> {
  #closed = false;
  #flowing = false;

  private constructor(
    readonly sourceId: string,
    readonly router: types.Router,
    readonly transport: IngestTransport,
    readonly producer: types.Producer,
    readonly ssrc: number,
  ) {
    super();
    producer.on('trace', (t) => {
      if (t.type === 'rtp' && !this.#flowing) {
        this.#flowing = true;
        // One 'rtp' trace told us media flows; per-packet traces after it are only cost.
        producer.enableTraceEvent(producer.kind === 'video' ? VIDEO_TRACES : []).catch(() => undefined);
        this.emit('flowing');
      } else if (t.type === 'keyframe') this.emit('keyframe'); // feeds "seconds since last keyframe"
      else if (t.type === 'pli' || t.type === 'fir') this.emit('keyframeRequest');
    });
    transport.once('close', () => this.close());
    producer.observer.once('close', () => this.close());
  }

  /** A producer of `kind` on `transport`, with a fresh random SSRC the source must stamp. */
  static async create(sourceId: string, kind: types.MediaKind, router: types.Router, transport: IngestTransport): Promise<RtpIngest> {
    // Random SSRC in 1..2^31-1 (ffmpeg takes -ssrc as a signed int); a restarted source gets a new one.
    const ssrc = crypto.randomInt(1, 0x7fffffff);
    const producer = await transport.produce({ kind, rtpParameters: ingestRtpParameters(kind, ssrc), appData: { sourceId } });
    const ingest = new RtpIngest(sourceId, router, transport, producer, ssrc);
    try {
      // Traced before the source learns where to send, so its first packet is seen.
      await producer.enableTraceEvent(kind === 'video' ? ['rtp', ...VIDEO_TRACES] : ['rtp']);
    } catch (err) {
      ingest.close();
      throw err;
    }
    return ingest;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the producer has taken RTP yet. */
  get flowing(): boolean {
    return this.#flowing;
  }

  /** Where the source must send (RTP and RTCP to the transport's one port), payload type and SSRC to stamp. */
  get endpoint(): RtpEndpoint {
    const { announcedIp, port } = this.transport;
    return { ip: announcedIp, rtpPort: port, rtcpPort: port, payloadType: INGEST_PAYLOAD_TYPE[this.producer.kind], ssrc: this.ssrc };
  }

  /** Closes the producer (and the transport after its last stream); every consumer of it closes too. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.producer.closed) this.producer.close();
    this.emit('close');
  }
}
