import { io, type Socket } from 'socket.io-client';
import {
  AppError,
  INGEST_NAMESPACE,
  type Ack,
  type CameraAssignment,
  type GatewayToServerEvents,
  type IngestHealthReport,
  type IngestPoint,
  type IngestStateReport,
  type ServerToGatewayEvents,
} from '@county/shared';

/** What a CameraPull needs from the SFU. */
export interface IngestClient {
  open(cameraId: string, audio: boolean): Promise<IngestPoint>;
  close(cameraId: string): Promise<void>;
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

  onLost(listener: (cameraId: string) => void): void {
    this.socket.on('ingest:lost', ({ cameraId }) => listener(cameraId));
  }

  async open(cameraId: string, audio: boolean): Promise<IngestPoint> {
    return unwrap(await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('ingest:open', { cameraId, audio }));
  }

  async close(cameraId: string): Promise<void> {
    if (!this.socket.connected) return;
    unwrap(await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('ingest:close', { cameraId }));
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
