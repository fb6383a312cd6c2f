import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { H264Depacketizer, type AccessUnit } from './H264Depacketizer';

/**
 * Reads an H.264 producer inside this process: a plain transport sends the stream to a UDP
 * socket bound to 127.0.0.1, and access units come out as events. Snapshots, HLS and
 * recording build on it without asking the camera for another session. Knows nothing of
 * cameras. Closes when its producer closes.
 */
export class RtpTap extends EventEmitter<{ frame: [AccessUnit]; close: [] }> {
  #closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly transport: types.PlainTransport,
    readonly consumer: types.Consumer,
  ) {
    super();
    const depacketizer = new H264Depacketizer((au) => this.emit('frame', au));
    socket.on('message', (msg) => {
      const pt = msg.length > 1 ? msg[1]! & 0x7f : 0;
      if (pt >= 72 && pt <= 76) return; // RTCP (rtcp-mux): SR/RR from the transport
      depacketizer.push(msg);
    });
    socket.on('error', () => this.close());
    consumer.on('producerclose', () => this.close());
    transport.observer.once('close', () => this.close());
  }

  static async create(router: types.Router, producer: types.Producer): Promise<RtpTap> {
    if (producer.kind !== 'video') throw new Error('RtpTap reads video producers');
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    let transport: types.PlainTransport | undefined;
    try {
      transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
      await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      return new RtpTap(socket, transport, consumer);
    } catch (err) {
      transport?.close();
      socket.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.transport.closed) this.transport.close();
    this.socket.close();
    this.emit('close');
  }
}
