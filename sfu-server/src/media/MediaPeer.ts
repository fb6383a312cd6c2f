import type { types } from 'mediasoup';
import { AppError } from '@county/shared';
import type { ConsumerOptions, DtlsParameters, RtpCapabilities, TransportOptions } from '@county/shared';
import type { WorkerPool } from './WorkerPool';

export interface WebRtcOptions {
  listenIp: string;
  announcedIp?: string;
}

/**
 * One browser's media: its WebRTC transports and consumers on one router. Closing the peer
 * closes them all. Knows nothing of walls or meetings: rooms own peers.
 */
export class MediaPeer {
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #consumers = new Map<string, types.Consumer>();
  #closed = false;

  constructor(
    readonly id: string,
    readonly router: types.Router,
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    /** Told when the server closes a consumer because its producer went away. */
    private readonly onConsumerClosed: (consumerId: string) => void,
  ) {}

  static readonly MAX_TRANSPORTS = 4;
  static readonly MAX_CONSUMERS = 128;

  async createTransport(): Promise<TransportOptions> {
    this.#assertOpen();
    if (this.#transports.size >= MediaPeer.MAX_TRANSPORTS) throw new AppError('conflict', 'too many transports');
    const transport = await this.router.createWebRtcTransport({
      listenIps: [{ ip: this.webRtc.listenIp, announcedIp: this.webRtc.announcedIp }],
      enableUdp: true,
      enableTcp: true, // county firewalls sometimes drop UDP
      preferUdp: true,
    });
    this.pool.track(this.router, transport);
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates as TransportOptions['iceCandidates'],
      dtlsParameters: transport.dtlsParameters as DtlsParameters,
    };
  }

  async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
  }

  /** Consumes `producer` (from any router) paused; the client resumes once its track is ready. */
  async consume(
    transportId: string,
    producer: types.Producer,
    producerRouter: types.Router,
    rtpCapabilities: RtpCapabilities,
  ): Promise<ConsumerOptions> {
    const transport = this.#transport(transportId);
    if (this.#consumers.size >= MediaPeer.MAX_CONSUMERS) throw new AppError('conflict', 'too many consumers');
    await this.pool.ensureProducerOn(producer, producerRouter, this.router);
    const caps = rtpCapabilities as types.RtpCapabilities;
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      throw new AppError('bad_request', 'this browser cannot decode the stream');
    }
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true });
    this.#consumers.set(consumer.id, consumer);
    const forget = () => this.#consumers.delete(consumer.id);
    consumer.on('producerclose', () => {
      forget();
      this.onConsumerClosed(consumer.id);
    });
    consumer.observer.once('close', forget);
    return {
      id: consumer.id,
      producerId: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as ConsumerOptions['rtpParameters'],
    };
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    const consumer = this.#consumer(consumerId);
    await consumer.resume();
    // Ask for a keyframe so the picture starts at once (sources that honour PLI do).
    await consumer.requestKeyFrame();
  }

  closeConsumer(consumerId: string): void {
    this.#consumer(consumerId).close();
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
    this.#consumers.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('conflict', 'peer closed');
  }

  #transport(id: string): types.WebRtcTransport {
    this.#assertOpen();
    const t = this.#transports.get(id);
    if (!t) throw new AppError('not_found', 'no such transport');
    return t;
  }

  #consumer(id: string): types.Consumer {
    this.#assertOpen();
    const c = this.#consumers.get(id);
    if (!c) throw new AppError('not_found', 'no such consumer');
    return c;
  }
}
