import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { INGEST_H264_PAYLOAD_TYPE, ingestH264RtpParameters } from './codecs';

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
export class RtpIngest extends EventEmitter<{ flowing: []; close: [] }> {
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
    transport.observer.once('close', () => this.close());
    producer.observer.once('close', () => this.close());
  }

  static async create(sourceId: string, router: types.Router, options: RtpIngestOptions): Promise<RtpIngest> {
    const transport = await router.createPlainTransport({
      listenIp: { ip: options.listenIp, announcedIp: options.announcedIp },
      rtcpMux: false,
      comedia: true,
      appData: { sourceId },
    });
    try {
      // Random SSRC in 1..2^31-1 (ffmpeg takes -ssrc as a signed int); a restarted source gets a new one.
      const ssrc = crypto.randomInt(1, 0x7fffffff);
      const producer = await transport.produce({
        kind: 'video',
        rtpParameters: ingestH264RtpParameters(ssrc),
        appData: { sourceId },
      });
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
  get endpoint(): { ip: string; rtpPort: number; rtcpPort: number; payloadType: number; ssrc: number } {
    const rtcpPort = this.transport.rtcpTuple?.localPort;
    if (rtcpPort === undefined) throw new Error('plain transport without RTCP tuple');
    return {
      ip: this.announcedIp,
      rtpPort: this.transport.tuple.localPort,
      rtcpPort,
      payloadType: INGEST_H264_PAYLOAD_TYPE,
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
