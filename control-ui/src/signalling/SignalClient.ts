import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { RequestError } from '../api/RequestError';
import { session } from '../auth/Session';

type Requests = ClientToServerEvents;
type RequestOf<K extends keyof Requests> = Parameters<Requests[K]>[0];
type ResponseOf<K extends keyof Requests> = Parameters<Parameters<Requests[K]>[1]>[0] extends Ack<infer T> ? T : never;

/** What the socket needs of the session: a token for each handshake, a refresh when refused. */
export interface SocketAuth {
  freshToken(): Promise<string | undefined>;
  refresh(): Promise<boolean>;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Between attempts after a refused handshake: 0 s, then 1, 2, … up to 5 s. */
const RETRY_STEP_MS = 1000;
const RETRY_MAX_MS = 5000;

/** The browser's socket.io link: typed requests that resolve or throw RequestError. */
export class SignalClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #auth: SocketAuth;
  #retryTimer?: number;
  #failures = 0;
  #closed = false;

  constructor(url?: string, auth: SocketAuth = session) {
    this.#auth = auth;
    const opts = {
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 5000,
      // A function, so every (re)connection sends the current token, refreshed first when stale.
      auth: (cb: (data: object) => void) => void auth.freshToken().then((token) => cb({ token }), () => cb({})),
    };
    this.socket = url ? io(url, opts) : io(opts);
    this.socket.on('connect', () => {
      this.#failures = 0;
    });
    // socket.io does not retry a handshake the server refused, nor a socket it dropped (a
    // session ended): refresh the token when it was refused, and connect again. A revoked
    // session fails the refresh and the app signs out.
    this.socket.on('connect_error', (err) => {
      if (!this.socket.active) this.#reconnect(err.message === 'unauthorized');
    });
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') this.#reconnect(true);
    });
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
    this.#closed = true;
    window.clearTimeout(this.#retryTimer);
    this.socket.close();
  }

  #reconnect(refresh: boolean): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_STEP_MS * this.#failures++);
    this.#retryTimer = window.setTimeout(() => {
      (refresh ? this.#auth.refresh() : Promise.resolve(true)).then(
        (ok) => {
          this.#retryTimer = undefined;
          if (ok && !this.#closed) this.socket.connect();
        },
        () => {
          this.#retryTimer = undefined; // the server is unreachable: try again
          this.#reconnect(refresh);
        },
      );
    }, delay);
  }
}
