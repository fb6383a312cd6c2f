import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { CameraStream, CameraView, RoomId } from '@county/shared';
import type { SignalClient } from '../signalling/SignalClient';

/**
 * Owns this page's mediasoup Device, its receive transport and consumers for one room.
 * The UI asks for a camera's track and gets one; it never sees transports.
 */
export class MediaEngine {
  readonly #consumers = new Map<string, types.Consumer>();
  #recv: Promise<types.Transport> | undefined;
  #closed = false;
  #onFailed: (() => void) | undefined;

  private constructor(
    private readonly signal: SignalClient,
    private readonly device: Device,
  ) {
    signal.socket.on('consumer:closed', this.#onServerClosed);
  }

  /** Joins a room and returns the engine plus the cameras the room can show. */
  static async join(signal: SignalClient, roomId: RoomId): Promise<{ engine: MediaEngine; cameras: CameraView[] }> {
    const { routerRtpCapabilities, cameras } = await signal.request('room:join', { roomId });
    const device = new Device();
    await device.load({ routerRtpCapabilities });
    return { engine: new MediaEngine(signal, device), cameras };
  }

  /** Starts receiving a camera (one of its streams); the consumer closes with `release` or when the camera goes. */
  async consumeCamera(cameraId: string, kind: types.MediaKind = 'video', stream: CameraStream = 'main'): Promise<types.Consumer> {
    const transport = await this.#recvTransport();
    const options = await this.signal.request('camera:consume', {
      transportId: transport.id,
      cameraId,
      kind,
      stream,
      rtpCapabilities: this.device.recvRtpCapabilities,
    });
    const consumer = await transport.consume(options);
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => this.#consumers.delete(consumer.id));
    await this.signal.request('consumer:resume', { consumerId: consumer.id });
    return consumer;
  }

  /** Called when media cannot flow (ICE/DTLS failed: UDP and TCP to the SFU blocked). */
  onTransportFailed(listener: () => void): void {
    this.#onFailed = listener;
  }

  release(consumer: types.Consumer): void {
    if (consumer.closed) return;
    consumer.close();
    if (!this.#closed) void this.signal.request('consumer:close', { consumerId: consumer.id }).catch(() => undefined);
  }

  close(): void {
    this.#closed = true;
    this.signal.socket.off('consumer:closed', this.#onServerClosed);
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
    void this.#recv?.then((t) => t.close()).catch(() => undefined);
  }

  readonly #onServerClosed = ({ consumerId }: { consumerId: string }) => {
    this.#consumers.get(consumerId)?.close();
  };

  #recvTransport(): Promise<types.Transport> {
    this.#recv ??= this.signal.request('transport:create', { direction: 'recv' }).then((options) => {
      // No iceServers: the county network is closed, and the SFU's candidates are reachable.
      const transport = this.device.createRecvTransport(options);
      transport.on('connectionstatechange', (state) => {
        if (state === 'failed' && !this.#closed) this.#onFailed?.();
      });
      transport.on('connect', ({ dtlsParameters }, done, fail) => {
        this.signal
          .request('transport:connect', { transportId: transport.id, dtlsParameters })
          .then(() => done(), fail);
      });
      return transport;
    });
    return this.#recv;
  }
}
