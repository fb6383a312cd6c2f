import type { LoginResponse, UserView } from '@county/shared';
import { RequestError } from '../api/RequestError';

/** `unknown` until the server has said whether the session cookie still holds a session. */
export type SessionState =
  | { status: 'unknown' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: UserView };

/** The access token, with its expiry on this browser's clock. */
interface Access {
  token: string;
  expiresAtMs: number;
  /** Refreshed before it is sent when it has less than this left. */
  marginMs: number;
}

/** Refresh this long before the token expires. */
const REFRESH_LEAD_MS = 60_000;
/** A token closer than this (or a quarter of its lifetime) to its expiry is refreshed before it is sent. */
const MIN_VALIDITY_MS = 10_000;
/** While the server cannot be reached: retry after 1, 2, 5, then every 10 s. */
const RETRY_MS = [1000, 2000, 5000, 10_000];

const sleep = (ms: number) => new Promise<void>((resolve) => window.setTimeout(resolve, ms));

/**
 * Refresh tokens rotate: two tabs refreshing with the same cookie would sign each other out.
 * The Web Locks API queues them across tabs (it exists only in secure contexts: https, localhost).
 */
const hasLocks = () => (navigator as Partial<Navigator>).locks !== undefined;
async function oneTabAtATime<T>(fn: () => Promise<T>): Promise<T> {
  return hasLocks() ? await navigator.locks.request('cv-refresh', fn) : await fn();
}

/**
 * Who is signed in, and their access token. The token lives only in memory; the refresh
 * token only in the server's HttpOnly cookie, so a reload asks the server (refresh) again.
 * The token is refreshed a minute before it expires and again whenever the server refuses it.
 */
export class Session {
  #state: SessionState = { status: 'unknown' };
  #access?: Access;
  #refreshing?: Promise<boolean>;
  #timer?: number;
  /** Bumped by login and sign-out: a refresh that was already on its way is then stale. */
  #epoch = 0;
  readonly #listeners = new Set<() => void>();

  /** For React's useSyncExternalStore: a new object on every change. */
  readonly getState = (): SessionState => this.#state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The access token as it is now (possibly about to expire); freshToken() for one to send. */
  get token(): string | undefined {
    return this.#access?.token;
  }

  get user(): UserView | undefined {
    return this.#state.status === 'signed-in' ? this.#state.user : undefined;
  }

  /** At app start: learn from the cookie whether a session exists, waiting out a server that is down. */
  async start(): Promise<void> {
    for (let attempt = 0; this.#state.status === 'unknown'; attempt++) {
      try {
        await this.refresh();
      } catch {
        await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!);
      }
    }
  }

  /** Throws RequestError: `unauthorized` for a wrong username or password. */
  async login(username: string, password: string): Promise<UserView> {
    this.#epoch++;
    const res = await send('/api/login', { method: 'POST', json: { username, password } });
    if (!res.ok) throw await RequestError.fromResponse(res);
    return this.#accept((await res.json()) as LoginResponse, res);
  }

  /**
   * A new access token: true when the session lives on, false when it has ended (signed out).
   * Throws RequestError when the server cannot answer. Concurrent calls share one request.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= oneTabAtATime(() => this.#refreshOnce()).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async logout(): Promise<void> {
    // A valid token, or the server could not tell which session to end and its cookie would stay.
    const token = await this.freshToken();
    this.#signOut();
    await send('/api/logout', { method: 'POST', token }).catch(() => undefined);
  }

  /** The access token, refreshed first when it is about to expire; undefined when signed out. */
  async freshToken(): Promise<string | undefined> {
    const access = this.#access;
    if (access && access.expiresAtMs - Date.now() > access.marginMs) return access.token;
    if (this.#state.status === 'signed-out') return undefined;
    // An unreachable server: send what we have; the request fails and says why.
    await this.refresh().catch(() => undefined);
    return this.#access?.token;
  }

  /**
   * fetch with the Bearer token; a 401 refreshes the token and retries once. Resolves with an
   * ok Response, or throws RequestError with the server's code.
   */
  async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    let res = await send(path, { ...init, token: await this.freshToken() });
    if (res.status === 401 && (await this.refresh())) res = await send(path, { ...init, token: this.#access?.token });
    if (!res.ok) throw await RequestError.fromResponse(res);
    return res;
  }

  async #refreshOnce(): Promise<boolean> {
    const epoch = this.#epoch;
    // Without Web Locks, a 401 may mean another tab just rotated the cookie: try its successor.
    const attempts = hasLocks() ? 1 : 2;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const res = await send('/api/refresh', { method: 'POST', json: {} });
      if (epoch !== this.#epoch) return this.#state.status === 'signed-in';
      if (res.ok) {
        this.#accept((await res.json()) as LoginResponse, res);
        return true;
      }
      const err = await RequestError.fromResponse(res);
      if (err.code !== 'unauthorized') throw err;
    }
    this.#signOut();
    return false;
  }

  #accept(body: LoginResponse, res: Response): UserView {
    // Expiry on our clock: a county PC's clock may be minutes off the server's.
    const serverNow = Date.parse(res.headers.get('date') ?? '');
    const skew = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
    const expiresAtMs = Date.parse(body.expiresAt) - skew;
    const lifetime = expiresAtMs - Date.now();
    this.#access = { token: body.token, expiresAtMs, marginMs: Math.min(MIN_VALIDITY_MS, lifetime / 4) };
    this.#schedule(Math.max(lifetime - REFRESH_LEAD_MS, lifetime / 2));
    this.#set({ status: 'signed-in', user: body.user });
    return body.user;
  }

  #schedule(delayMs: number, attempt = 0): void {
    window.clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => {
      // Success schedules the next refresh; an ended session stops; an unreachable server retries.
      this.refresh().catch(() => this.#schedule(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!, attempt + 1));
    }, Math.max(0, delayMs));
  }

  #signOut(): void {
    this.#epoch++;
    window.clearTimeout(this.#timer);
    this.#access = undefined;
    if (this.#state.status !== 'signed-out') this.#set({ status: 'signed-out' });
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}

/** fetch with a JSON body and a Bearer token; a network failure becomes RequestError `unavailable`. */
async function send(path: string, { json, token, ...init }: RequestInit & { json?: unknown; token?: string }): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  try {
    return await fetch(path, { ...init, headers, body: json === undefined ? init.body : JSON.stringify(json) });
  } catch (err) {
    throw RequestError.from(err);
  }
}

/** The app's one session. */
export const session = new Session();

/** fetch an /api path as the signed-in user: see Session.fetch. */
export const apiFetch = (path: string, init?: RequestInit & { json?: unknown }): Promise<Response> => session.fetch(path, init);

/** apiFetch's JSON answer (undefined for 204 No Content). */
export async function apiJson<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const res = await apiFetch(path, init);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
