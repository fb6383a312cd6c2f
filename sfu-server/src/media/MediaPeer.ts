import type { types } from 'mediasoup';
import { AppError } from '@county/shared';
import type { ConsumerOptions, DtlsParameters, RtpCapabilities, TransportOptions } from '@county/shared';
import { withoutCongestionControl } from './codecs';
import type { WorkerPool } from './WorkerPool';

export interface WebRtcOptions {
  listenIp: string;
  announcedIp?: string;
  /** false: consumers of single-layer producers (cameras) negotiate no congestion control (CAMERA_VIEWER_BWE=off). */
  simpleStreamBwe?: boolean;
}

/** What one browser may hold at once (MAX_TRANSPORTS_PER_PEER, MAX_CONSUMERS_PER_PEER). */
export interface PeerLimits {
  maxTransports: number;
  maxConsumers: number;
}
export const DEFAULT_PEER_LIMITS: PeerLimits = { maxTransports: 4, maxConsumers: 128 };

/**
 * One browser's media: its WebRTC transports and consumers on one router. Closing the peer
 * closes them all. Knows nothing of walls or meetings: rooms own peers.
 */
export class MediaPeer {
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #consumers = new Map<string, types.Consumer>();
  #onTransportClosed: ((transportId: string) => void) | undefined;
  // Requests still awaiting the worker hold a slot, so a burst cannot pass the limits together.
  #pendingTransports = 0;
  #pendingConsumers = 0;
  #closed = false;

  constructor(
    readonly id: string,
    readonly router: types.Router,
    private readonly pool: WorkerPool,
    private readonly webRtc: WebRtcOptions,
    /** Told when the server closes a consumer because its producer went away. */
    private readonly onConsumerClosed: (consumerId: string) => void,
    private readonly limits: PeerLimits = DEFAULT_PEER_LIMITS,
  ) {}

  async createTransport(): Promise<TransportOptions> {
    this.#assertOpen();
    if (this.#transports.size + this.#pendingTransports >= this.limits.maxTransports) {
      throw new AppError('conflict', `too many transports (at most ${this.limits.maxTransports} per browser)`);
    }
    this.#pendingTransports++;
    let transport: types.WebRtcTransport;
    try {
      // Through the worker's WebRTC server (its one UDP and one TCP port) when the pool has
      // them, else a port of its own from the worker's RTC range.
      const webRtcServer = this.pool.webRtcServerOf(this.router);
      const listen = webRtcServer ? { webRtcServer } : { listenIps: [{ ip: this.webRtc.listenIp, announcedIp: this.webRtc.announcedIp }] };
      transport = await this.router.createWebRtcTransport({
        ...listen,
        enableUdp: true,
        enableTcp: true, // county firewalls sometimes drop UDP
        preferUdp: true,
      });
    } finally {
      this.#pendingTransports--;
    }
    // The browser left while the worker was creating it: nobody would ever close it.
    if (this.#closed) {
      transport.close();
      throw new AppError('conflict', 'peer closed');
    }
    this.pool.track(this.router, transport);
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => {
      this.#transports.delete(transport.id);
      // Closed by the server or its worker, not by the peer leaving: the browser must join again.
      if (!this.#closed) this.#onTransportClosed?.(transport.id);
    });
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
    if (this.#consumers.size + this.#pendingConsumers >= this.limits.maxConsumers) {
      throw new AppError('conflict', `too many consumers (at most ${this.limits.maxConsumers} per browser)`);
    }
    this.#pendingConsumers++;
    let consumer: types.Consumer;
    try {
      await this.pool.ensureProducerOn(producer, producerRouter, this.router);
      // A single-layer stream goes out as it comes whatever the estimate: without its feedback
      // the transport runs no estimator (CAMERA_VIEWER_BWE=off; simulcast keeps it).
      const caps =
        this.webRtc.simpleStreamBwe === false && producer.type === 'simple'
          ? withoutCongestionControl(rtpCapabilities as types.RtpCapabilities)
          : (rtpCapabilities as types.RtpCapabilities);
      if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
        throw new AppError('bad_request', 'this browser cannot decode the stream');
      }
      consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true });
    } finally {
      this.#pendingConsumers--;
    }
    if (this.#closed || transport.closed) {
      consumer.close();
      throw new AppError('conflict', this.#closed ? 'peer closed' : 'transport closed');
    }
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
    await settled(consumer, async () => {
      await consumer.resume();
      // Ask for a keyframe so the picture starts at once (sources that honour PLI do).
      await consumer.requestKeyFrame();
    });
  }

  closeConsumer(consumerId: string): void {
    this.#consumer(consumerId).close();
  }

  /** Shows or hides a consumer's video (hidden: nothing is sent) and picks its simulcast layer. */
  async setConsumerPreference(consumerId: string, visible: boolean, spatialLayer: number): Promise<void> {
    const consumer = this.#consumer(consumerId);
    if (!visible) return settled(consumer, () => consumer.pause());
    if (consumer.type === 'simulcast') await settled(consumer, () => consumer.setPreferredLayers({ spatialLayer, temporalLayer: 2 }));
    if (consumer.paused) await this.resumeConsumer(consumerId);
  }

  hasConsumer(consumerId: string): boolean {
    return this.#consumers.has(consumerId);
  }

  /** Receives the browser's media (a meeting participant's camera, microphone or screen). */
  async produce(transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<types.Producer> {
    const transport = this.#transport(transportId);
    const producer = await transport.produce({ kind, rtpParameters, paused });
    if (this.#closed || transport.closed) {
      producer.close();
      throw new AppError('conflict', this.#closed ? 'peer closed' : 'transport closed');
    }
    return producer;
  }

  /** Makes one of this peer's producers usable on another router (an observer, a consumer elsewhere). */
  async pipeProducerTo(producer: types.Producer, router: types.Router): Promise<void> {
    await this.pool.ensureProducerOn(producer, this.router, router);
  }

  /** New ICE credentials after the browser's link dropped; the browser restarts ICE with them. */
  async restartIce(transportId: string): Promise<types.IceParameters> {
    return this.#transport(transportId).restartIce();
  }

  /** Told when the server side closes one of this peer's transports (not when the peer leaves). */
  onTransportClosed(listener: (transportId: string) => void): void {
    this.#onTransportClosed = listener;
  }

  /** Bytes sent to and received from this browser so far, over all its transports (benchmarks, diagnostics). */
  async bytes(): Promise<{ sent: number; received: number }> {
    let sent = 0;
    let received = 0;
    for (const t of this.#transports.values()) {
      for (const s of await t.getStats().catch(() => [])) {
        sent += s.bytesSent;
        received += s.bytesReceived;
      }
    }
    return { sent, received };
  }

  /** The peer's transports, for diagnostics and recovery tests. */
  get transportIds(): string[] {
    return [...this.#transports.keys()];
  }

  /** Closes one transport as a network failure would (what `transport:closed` recovers from). */
  closeTransport(transportId: string): void {
    this.#transport(transportId).close();
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

/** A consumer that closed while a request to it was in flight (its producer left): a plain 404, not a server error. */
async function settled(consumer: types.Consumer, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (consumer.closed) throw new AppError('not_found', 'no such consumer');
    throw err;
  }
}
