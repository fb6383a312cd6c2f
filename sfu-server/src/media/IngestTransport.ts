import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, type RtpSource } from '@county/shared';
import type { PortRange } from './PortRange';

/** Where a source's packets come from: one address and one port for RTP and RTCP of every stream. */
export interface IngestSourceAddress {
  ip: string;
  port: number;
}

export interface IngestTransportOptions {
  listenIp: string;
  announcedIp?: string;
  /** The ingest's own port range (INGEST_MIN_PORT..INGEST_MAX_PORT). */
  ports: PortRange;
}

/**
 * One plain transport on ONE port of the ingest range for everything a source sends: video
 * and audio RTP (told apart by SSRC), and their RTCP (rtcpMux). It lives as long as its
 * streams: it closes when the last producer on it closes, and releases its port then.
 *
 * No comedia: connected to the source's declared address and port, so a packet from anyone
 * else is dropped by the worker instead of being latched onto.
 */
export class IngestTransport extends EventEmitter<{ close: [] }> {
  #producers = 0;
  #closed = false;

  private constructor(
    readonly transport: types.PlainTransport,
    readonly port: number,
    readonly announcedIp: string,
    private readonly ports: PortRange,
  ) {
    super();
    transport.observer.once('close', () => this.close());
  }

  static async create(
    sourceId: string,
    router: types.Router,
    options: IngestTransportOptions,
    source: IngestSourceAddress,
  ): Promise<IngestTransport> {
    const { port, value: transport } = await options.ports.bind((port) =>
      router.createPlainTransport({
        listenIp: { ip: options.listenIp, announcedIp: options.announcedIp },
        port,
        rtcpMux: true,
        comedia: false,
        appData: { sourceId },
      }),
    );
    await transport.connect({ ip: source.ip, port: source.port }).catch((err: unknown) => {
      transport.close();
      options.ports.release(port);
      throw err;
    });
    return new IngestTransport(transport, port, options.announcedIp ?? options.listenIp, options.ports);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A stream on this transport; the transport closes after its last stream. */
  async produce(options: types.ProducerOptions): Promise<types.Producer> {
    const producer = await this.transport.produce(options);
    this.#producers++;
    producer.observer.once('close', () => {
      if (--this.#producers === 0) this.close();
    });
    return producer;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.transport.closed) this.transport.close();
    this.ports.release(this.port);
    this.emit('close');
  }
}

/**
 * The one port a source declared for all its RTP and RTCP. The contract names RTP and RTCP
 * ports per stream; a gateway sending from several ports would need a transport (and an
 * ingest port) per stream again, so it is refused.
 */
export function sourcePort(source: { video: RtpSource; audio?: RtpSource }): number {
  const { rtpPort } = source.video;
  const ports = [source.video, source.audio].flatMap((s) => (s ? [s.rtpPort, s.rtcpPort] : []));
  if (ports.some((p) => p !== rtpPort)) {
    throw new AppError('bad_request', 'ingest: video and audio, RTP and RTCP, must all come from one port (upgrade the gateway)');
  }
  return rtpPort;
}
