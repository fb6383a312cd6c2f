import { io, type Socket } from 'socket.io-client';
import {
  AppError,
  INGEST_NAMESPACE,
  type Ack,
  type CameraAssignment,
  type GatewayToServerEvents,
  type IngestHealthReport,
  type IngestPoint,
  type IngestRef,
  type IngestStateReport,
  type RtpSource,
  type ServerToGatewayEvents,
} from '@county/shared';
import { SourcePorts } from './SourcePorts';

/** The gateway's own ports per stream: ffmpeg must send from exactly these. */
export interface IngestSource {
  video: RtpSource;
  audio?: RtpSource;
}

/** An ingest the SFU opened: where to send (`point`) and where to send from (`source`). */
export interface OpenedIngest {
  point: IngestPoint;
  source: IngestSource;
}

/** What a CameraPull needs from the SFU. */
export interface IngestClient {
  open(cameraId: string, audio: boolean): Promise<OpenedIngest>;
  close(cameraId: string, generation: number): Promise<void>;
  report(report: IngestStateReport): void;
  health(report: IngestHealthReport): void;
}

const ACK_TIMEOUT_MS = 5000;

function unwrap<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new AppError(ack.error.code, ack.error.message);
  return ack.data;
}

/** The gateway's socket.io link to the SFU's /ingest namespace. Reconnects by itself. */
export class SfuIngestClient implements IngestClient {
  readonly socket: Socket<ServerToGatewayEvents, GatewayToServerEvents>;
  readonly #ports = new SourcePorts();

  constructor(sfuUrl: string, token: string, gatewayId: string) {
    this.socket = io(new URL(INGEST_NAMESPACE, sfuUrl).toString(), {
      auth: { token, gatewayId },
      transports: ['websocket'],
      reconnectionDelayMax: 5000,
    });
  }

  onAssign(listener: (cameras: CameraAssignment[]) => void): void {
    this.socket.on('ingest:assign', listener);
  }

  onLost(listener: (lost: IngestRef) => void): void {
    this.socket.on('ingest:lost', listener);
  }

  async open(cameraId: string, audio: boolean): Promise<OpenedIngest> {
    // Not buffered for later: an ingest opened after we gave up waiting would feed nobody.
    if (!this.socket.connected) throw new AppError('unavailable', 'not connected to the SFU');
    // Video and audio leave from one port, to one port of the SFU.
    const port = await this.#ports.source();
    const source: IngestSource = { video: port };
    if (audio) source.audio = port;
    const point = unwrap<IngestPoint>(await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('ingest:open', { cameraId, ...source }));
    return { point, source };
  }

  async close(cameraId: string, generation: number): Promise<void> {
    // While away, the `offline` report (which names the generation) closes it on return.
    if (!this.socket.connected) return;
    unwrap(await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('ingest:close', { cameraId, generation }));
  }

  report(report: IngestStateReport): void {
    this.socket.emit('ingest:state', report);
  }

  health(report: IngestHealthReport): void {
    if (this.socket.connected) this.socket.emit('ingest:health', report);
  }

  disconnect(): void {
    this.socket.disconnect();
  }
}
