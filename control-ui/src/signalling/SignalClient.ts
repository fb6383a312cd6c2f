import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ErrorCode, ServerToClientEvents } from '@county/shared';

type Requests = ClientToServerEvents;
type RequestOf<K extends keyof Requests> = Parameters<Requests[K]>[0];
type ResponseOf<K extends keyof Requests> = Parameters<Parameters<Requests[K]>[1]>[0] extends Ack<infer T> ? T : never;

/** A failed request, with the server's error code (translated by the UI as errors.<code>). */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

/** The browser's socket.io link: typed requests that resolve or throw RequestError. */
export class SignalClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  constructor(url?: string) {
    const opts = { transports: ['websocket', 'polling'], reconnectionDelayMax: 5000 };
    this.socket = url ? io(url, opts) : io(opts);
  }

  async request<K extends keyof Requests>(event: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
    // socket.io's typed emitWithAck cannot follow a generic event name; the maps above keep it honest.
    const emit = this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck as unknown as (
      e: K,
      p: RequestOf<K>,
    ) => Promise<Ack<ResponseOf<K>>>;
    const ack = await emit.call(this.socket.timeout(REQUEST_TIMEOUT_MS), event, payload);
    if (!ack.ok) throw new RequestError(ack.error.code, ack.error.message);
    return ack.data;
  }

  close(): void {
    this.socket.close();
  }
}
