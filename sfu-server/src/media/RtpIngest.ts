import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { RtpEndpoint } from '@county/shared';
import { INGEST_PAYLOAD_TYPE, ingestRtpParameters } from './codecs';

export interface RtpIngestOptions {
  listenIp: string;
  announcedIp?: string;
}

/**
 * One plain-RTP source (a camera restreamed by a gateway) feeding one producer. It knows
 * nothing of cameras, walls or meetings: its owner names it (`sourceId`) and listens for
 * `flowing` (first RTP arrived) and `close`.
 *
 * comedia + rtcpMux off: the transport learns the sender's address from its first RTP
 * packet; with rtcpMux on it latched onto ffmpeg's RTCP port and no RTP arrived.
 */
export class RtpIngest extends EventEmitter<{ flowing: []; close: []; keyframe: [] }> {
  #closed = false;

  private constructor(
    readonly sourceId: string,
    readonly router: types.Router,
    readonly transport: types.PlainTransport,
    readonly producer: types.Producer,
    readonly ssrc: number,
    readonly announcedIp: string,
  ) {
    super();
    transport.on('tuple', () => this.emit('flowing'));
    if (producer.kind === 'video') {
      // Keyframe arrivals feed "seconds since last keyframe" in camera health.
      void producer.enableTraceEvent(['keyframe']).catch(() => undefined);
      producer.on('trace', (t) => {
        if (t.type === 'keyframe') this.emit('keyframe');
      });
    }
    transport.observer.once('close', () => this.close());
    producer.observer.once('close', () => this.close());
  }

  static async create(
    sourceId: string,
    kind: types.MediaKind,
    router: types.Router,
    options: RtpIngestOptions,
  ): Promise<RtpIngest> {
    const transport = await router.createPlainTransport({
      listenIp: { ip: options.listenIp, announcedIp: options.announcedIp },
      rtcpMux: false,
      comedia: true,
      appData: { sourceId },
    });
    try {
      // Random SSRC in 1..2^31-1 (ffmpeg takes -ssrc as a signed int); a restarted source gets a new one.
      const ssrc = crypto.randomInt(1, 0x7fffffff);
      const producer = await transport.produce({ kind, rtpParameters: ingestRtpParameters(kind, ssrc), appData: { sourceId } });
      return new RtpIngest(sourceId, router, transport, producer, ssrc, options.announcedIp ?? options.listenIp);
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Where the source must send: RTP and RTCP ports, payload type and SSRC to stamp. */
  get endpoint(): RtpEndpoint {
    const rtcpPort = this.transport.rtcpTuple?.localPort;
    if (rtcpPort === undefined) throw new Error('plain transport without RTCP tuple');
    return {
      ip: this.announcedIp,
      rtpPort: this.transport.tuple.localPort,
      rtcpPort,
      payloadType: INGEST_PAYLOAD_TYPE[this.producer.kind],
      ssrc: this.ssrc,
    };
  }

  /** Closes transport and producer; every consumer of the producer closes with it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.transport.closed) this.transport.close();
    this.emit('close');
  }
}
