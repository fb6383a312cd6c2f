import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { controlUrl, parseSdp, type SdpMedia } from './sdp';

/*
 * A hand-written RTSP 1.0 client (RFC 2326), TCP-interleaved only. Why not a library: none of
 * the npm RTSP clients available offline here speaks TCP-interleaved RTP with Digest auth and
 * hands packets over untouched (the ones that exist spawn ffmpeg or speak UDP only), and the
 * part a relay needs is small: DESCRIBE, SETUP per track, PLAY, keepalive, TEARDOWN.
 */

/** Seconds without an RTSP answer (or, once playing, without RTP) before giving up. */
export const RTSP_TIMEOUT_MS = 5000;
/** RFC 2326 12.37: a session without its own timeout lasts 60 s. */
const DEFAULT_SESSION_TIMEOUT_S = 60;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 256 * 1024;
const READ_BUFFER_BYTES = 64 * 1024;

interface RtspResponse {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

interface Pending {
  resolve: (r: RtspResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** An RTSP failure worded as ffmpeg words it, so one classifier (ffmpeg/failure.ts) serves both paths. */
export class RtspError extends Error {}

function header(r: RtspResponse, name: string): string | undefined {
  return r.headers.get(name.toLowerCase())?.[0];
}

const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

/** Parameters of one WWW-Authenticate challenge: `Digest realm="x", nonce="y"`. */
function parseChallenge(value: string): { scheme: string; params: Record<string, string> } {
  const sp = value.indexOf(' ');
  const scheme = (sp < 0 ? value : value.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;
  const rest = sp < 0 ? '' : value.slice(sp + 1);
  for (let m = re.exec(rest); m; m = re.exec(rest)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return { scheme, params };
}

/** Basic or Digest (RFC 2617, MD5, qop=auth or none) credentials for each request after a 401. */
class Credentials {
  #challenge: { scheme: string; params: Record<string, string> } | undefined;
  #nc = 0;

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  get present(): boolean {
    return this.username !== '' || this.password !== '';
  }

  /** Takes the server's challenges; false if none can be answered. Digest is preferred. */
  accept(challenges: string[]): boolean {
    const parsed = challenges.map(parseChallenge);
    const chosen = parsed.find((c) => c.scheme === 'digest' && (c.params.algorithm ?? 'MD5').toUpperCase() === 'MD5') ?? parsed.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    this.#challenge = chosen;
    this.#nc = 0;
    return true;
  }

  header(method: string, uri: string): string | undefined {
    const c = this.#challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    const { realm = '', nonce = '', opaque, qop } = c.params;
    const ha1 = md5(`${this.username}:${realm}:${this.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const q = (s: string) => s.replace(/["\\]/g, '\\$&');
    let value = `Digest username="${q(this.username)}", realm="${q(realm)}", nonce="${q(nonce)}", uri="${q(uri)}"`;
    if (qop && qop.split(',').map((s) => s.trim()).includes('auth')) {
      const nc = (++this.#nc).toString(16).padStart(8, '0');
      const cnonce = crypto.randomBytes(8).toString('hex');
      value += `, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`;
    } else {
      value += `, response="${md5(`${ha1}:${nonce}:${ha2}`)}"`;
    }
    if (opaque !== undefined) value += `, opaque="${q(opaque)}"`;
    return `${value}, algorithm=MD5`;
  }
}

export interface RtspTrack extends SdpMedia {
  /** Interleaved channel of its RTP (RTCP on channel + 1). */
  channel: number;
}

/**
 * One RTSP session with a camera over one TCP (or TLS, rtsps://) connection. `open()`
 * connects and DESCRIBEs; `play()` SETUPs the chosen tracks interleaved and PLAYs; then every
 * interleaved packet goes to `onPacket` as it arrives (a view into the socket's buffer: use it
 * before returning). The session is kept alive (GET_PARAMETER, else OPTIONS) at half its
 * timeout. `closed` settles when the connection ends, with why.
 * The URL's credentials are used for authentication only: request lines carry the URL without
 * them, and no error message contains the URL.
 */
export class RtspSession {
  readonly #socket: net.Socket;
  readonly #url: string;
  readonly #credentials: Credentials;
  readonly #pending = new Map<number, Pending>();
  #cseq = 0;
  #buffer: Buffer = Buffer.alloc(0);
  #session: string | undefined;
  #sessionTimeoutS = DEFAULT_SESSION_TIMEOUT_S;
  #keepalive: NodeJS.Timeout | undefined;
  #publicMethods = '';
  #ended = false;
  #endError: Error | undefined;
  #resolveClosed!: (err: Error | undefined) => void;
  /** Settles when the connection has ended: undefined after close(), else the reason. */
  readonly closed: Promise<Error | undefined>;
  /** Every interleaved packet: channel (even RTP, odd RTCP) and the bytes. */
  onPacket: (channel: number, packet: Buffer) => void = () => undefined;
  /** Where the SDP's relative controls resolve (Content-Base, else the request URL). */
  base = '';
  tracks: SdpMedia[] = [];

  private constructor(url: URL) {
    this.#credentials = new Credentials(decodeURIComponent(url.username), decodeURIComponent(url.password));
    const clean = new URL(url.toString());
    clean.username = '';
    clean.password = '';
    this.#url = clean.toString();
    const secure = url.protocol === 'rtsps:';
    const port = Number(url.port) || (secure ? 322 : 554);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (secure) {
      this.#socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host });
      this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk, false));
    } else {
      // Reads into one buffer of this session's (no stream machinery, no allocation per read):
      // the per-read cost is most of a relay's CPU. Packets handed on are copies.
      const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      this.#socket = net.connect({ host, port, onread: {
          buffer,
          callback: (n: number) => {
            this.#onData(buffer.subarray(0, n), true);
            return true;
          },
        },
      });
    }
    this.#socket.setNoDelay(true);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#socket.on('error', (err) => this.#end(new RtspError(err.message)));
    this.#socket.on('close', () => this.#end(new RtspError('End of file: the camera closed the connection')));
  }

  /** Connects and DESCRIBEs; rejects (and closes) with an ffmpeg-worded reason. */
  static async open(url: string): Promise<RtspSession> {
    const session = new RtspSession(new URL(url));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new RtspError(`connection timed out (no answer within ${RTSP_TIMEOUT_MS / 1000} s)`)), RTSP_TIMEOUT_MS);
        session.#socket.once(session.#socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          resolve();
        });
        session.closed.then(
          (err) => {
            clearTimeout(timer);
            reject(err ?? new RtspError('closed'));
          },
          () => undefined,
        );
      });
      const options = await session.#request('OPTIONS', session.#url).catch(() => undefined);
      session.#publicMethods = (options && header(options, 'public')) ?? '';
      const described = await session.#request('DESCRIBE', session.#url, { Accept: 'application/sdp' });
      const base = header(described, 'content-base') ?? header(described, 'content-location') ?? session.#url;
      session.base = base.replace(/^(rtsps?:\/\/)[^/@]*@/i, '$1');
      const sdp = parseSdp(described.body);
      if (sdp.control && sdp.control !== '*') session.base = controlUrl(session.base, sdp.control);
      session.tracks = sdp.media;
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  /** SETUPs `tracks` (interleaved channels 0-1, 2-3, ...) and PLAYs. */
  async play(tracks: SdpMedia[]): Promise<RtspTrack[]> {
    const out: RtspTrack[] = [];
    for (const [i, track] of tracks.entries()) {
      const channel = i * 2;
      const res = await this.#request('SETUP', controlUrl(this.base, track.control), {
        Transport: `RTP/AVP/TCP;unicast;interleaved=${channel}-${channel + 1}`,
      });
      const session = header(res, 'session');
      if (session) {
        const [id = '', ...params] = session.split(';').map((s) => s.trim());
        this.#session = id;
        const timeout = params.find((p) => /^timeout=/i.test(p));
        if (timeout) this.#sessionTimeoutS = Math.max(5, Number(timeout.split('=')[1]) || DEFAULT_SESSION_TIMEOUT_S);
      }
      const transport = header(res, 'transport') ?? '';
      const m = /interleaved=(\d+)/i.exec(transport);
      out.push({ ...track, channel: m ? Number(m[1]) : channel });
    }
    await this.#request('PLAY', this.base, { Range: 'npt=0.000-' });
    // Keepalive at half the session timeout; GET_PARAMETER where offered (RFC 2326 10.8), else OPTIONS.
    const method = /GET_PARAMETER/i.test(this.#publicMethods) ? 'GET_PARAMETER' : 'OPTIONS';
    this.#keepalive = setInterval(() => {
      this.#request(method, method === 'OPTIONS' ? '*' : this.base).catch(() => undefined);
    }, (this.#sessionTimeoutS * 1000) / 2);
    this.#keepalive.unref();
    return out;
  }

  /** TEARDOWN (not awaited) and close the connection. */
  close(): void {
    if (this.#ended) return;
    if (this.#session && !this.#socket.destroyed) {
      try {
        this.#send('TEARDOWN', this.base || this.#url, {});
      } catch {
        // the connection is going anyway
      }
    }
    this.#end(undefined);
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 200).unref();
  }

  #end(err: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = err;
    this.onPacket = () => undefined;
    clearInterval(this.#keepalive);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err ?? new RtspError('closed'));
    }
    this.#pending.clear();
    if (err) this.#socket.destroy();
    this.#resolveClosed(err);
  }

  #send(method: string, uri: string, headers: Record<string, string>): number {
    const cseq = ++this.#cseq;
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${cseq}`, 'User-Agent: county-video-gateway'];
    if (this.#session) lines.push(`Session: ${this.#session}`);
    const auth = this.#credentials.header(method, uri);
    if (auth) lines.push(`Authorization: ${auth}`);
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return cseq;
  }

  async #request(method: string, uri: string, headers: Record<string, string> = {}, retried = false): Promise<RtspResponse> {
    if (this.#ended) throw this.#endError ?? new RtspError('closed');
    const cseq = this.#send(method, uri, headers);
    const res = await new Promise<RtspResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cseq);
        reject(new RtspError(`${method}: connection timed out (no answer within ${RTSP_TIMEOUT_MS / 1000} s)`));
      }, RTSP_TIMEOUT_MS);
      this.#pending.set(cseq, { resolve, reject, timer });
    });
    if (res.status === 401 && !retried && this.#credentials.present && this.#credentials.accept(res.headers.get('www-authenticate') ?? [])) {
      return this.#request(method, uri, headers, true);
    }
    // "method DESCRIBE failed: 401": ffmpeg's words; the reason phrase (the camera's) is left out.
    if (res.status !== 200) throw new RtspError(`method ${method} failed: ${res.status}`);
    return res;
  }

  /** `reused`: `chunk` lives in the read buffer, overwritten by the next read. */
  #onData(chunk: Buffer, reused: boolean): void {
    if (this.#ended) return;
    const pending = this.#buffer.length > 0;
    const buf = pending ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const copy = reused && !pending;
    let at = 0;
    while (at < buf.length) {
      if (buf[at] === 0x24) {
        // '$' channel length(16): one interleaved packet (RFC 2326 10.12).
        if (buf.length - at < 4) break;
        const len = buf.readUInt16BE(at + 2);
        if (buf.length - at < 4 + len) break;
        const view = buf.subarray(at + 4, at + 4 + len);
        this.onPacket(buf[at + 1]!, copy ? Buffer.from(view) : view);
        at += 4 + len;
        if (this.#ended) return;
        continue;
      }
      const headEnd = buf.indexOf('\r\n\r\n', at);
      if (headEnd < 0) {
        if (buf.length - at > MAX_HEADER_BYTES) return this.#end(new RtspError('Invalid RTSP answer (header too long)'));
        break;
      }
      const head = buf.toString('latin1', at, headEnd).split('\r\n');
      const headers = new Map<string, string[]>();
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        headers.set(key, [...(headers.get(key) ?? []), line.slice(colon + 1).trim()]);
      }
      const length = Number(headers.get('content-length')?.[0] ?? 0);
      if (!Number.isFinite(length) || length < 0 || length > MAX_BODY_BYTES) return this.#end(new RtspError('Invalid RTSP answer (body length)'));
      if (buf.length < headEnd + 4 + length) break;
      const body = buf.toString('utf8', headEnd + 4, headEnd + 4 + length);
      at = headEnd + 4 + length;
      const status = /^RTSP\/\d\.\d (\d{3})/.exec(head[0] ?? '');
      if (!status) {
        // A request from the camera (rare: ANNOUNCE, GET_PARAMETER) or garbage.
        if (/^[A-Z_]+ \S+ RTSP\/\d\.\d$/.test(head[0] ?? '')) continue;
        return this.#end(new RtspError('Invalid data found when processing input (not an RTSP answer)'));
      }
      const cseq = Number(headers.get('cseq')?.[0]);
      const pending = this.#pending.get(cseq);
      if (!pending) continue;
      this.#pending.delete(cseq);
      clearTimeout(pending.timer);
      pending.resolve({ status: Number(status[1]), headers, body });
    }
    this.#buffer = at >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  }
}
