import crypto from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { decodeJwt, SignJWT } from 'jose';
import { io } from 'socket.io-client';
import type { z } from 'zod';
import {
  ConnectTransportRequestSchema,
  ConsumeCameraRequestSchema,
  ConsumerRequestSchema,
  CreateTransportRequestSchema,
  ERROR_CODES,
  JoinRoomRequestSchema,
  WatchCamerasRequestSchema,
} from '@county/shared';
import { api, browserSocket, login, startStack, type Stack } from '../support/stack';

// 10,000 malformed, oversized and unauthorised HTTP requests and socket.io messages, drawn
// with a fixed seed: each gets a clear error (4xx + {code, message}, or an error ack), the
// server stays up, and the county's state is what it was.

const SEED = 20261125;
const TOTAL = 10_000;
const HTTP_TIMEOUT_MS = 10_000;
const ACK_TIMEOUT_MS = 5_000;
/** For messages the server may never answer (unknown events, a misplaced ack): known bug class, kept short. */
const SHORT_ACK_TIMEOUT_MS = 1_500;
const IN_FLIGHT = 16;
const MAX_SOCKET_MESSAGE = 256 * 1024; // the server's maxHttpBufferSize

// ---- the cases ----------------------------------------------------------------------------

const READS = ['GET', 'HEAD', 'OPTIONS'];
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'PURGE'];

/** Who is asking. admin only ever reads; display and township users may write nothing here. */
const CREDS = [
  'none',
  'garbage',
  'forged',
  'alg-none',
  'expired',
  'unknown-session',
  'wrong-issuer',
  'forged-cookie',
  'bad-cookie',
  'basic',
  'display',
  'township',
  'admin',
] as const;
type Cred = (typeof CREDS)[number];
const SIGNED_IN: readonly Cred[] = ['display', 'township', 'admin'];

type Param = 'camera' | 'user' | 'meeting' | 'hls' | 'recording';
type BodyKind = 'login' | 'refresh' | 'camera' | 'recording' | 'ptzSave' | 'ptzGoto' | 'township' | 'site' | 'meeting' | 'user' | 'userPatch' | 'none';
interface Route {
  path: string;
  methods: string[];
  body: BodyKind;
}
// Every route of sfu-server/src/http/*.ts, and two that do not exist.
const ROUTES: Route[] = [
  { path: '/api/health', methods: ['GET'], body: 'none' },
  { path: '/api/login', methods: ['POST'], body: 'login' },
  { path: '/api/refresh', methods: ['POST'], body: 'refresh' },
  { path: '/api/logout', methods: ['POST'], body: 'none' },
  { path: '/api/me', methods: ['GET'], body: 'none' },
  { path: '/api/cameras', methods: ['GET', 'POST'], body: 'camera' },
  { path: '/api/cameras/:camera', methods: ['GET', 'DELETE'], body: 'none' },
  { path: '/api/cameras/:camera/snapshot.jpg', methods: ['GET'], body: 'none' },
  { path: '/api/cameras/:camera/hls/:hls', methods: ['GET'], body: 'none' },
  { path: '/api/cameras/:camera/recording', methods: ['PUT'], body: 'recording' },
  { path: '/api/cameras/:camera/recordings', methods: ['GET'], body: 'none' },
  { path: '/api/cameras/:camera/recordings/:recording', methods: ['GET'], body: 'none' },
  { path: '/api/cameras/:camera/ptz/presets', methods: ['GET', 'POST'], body: 'ptzSave' },
  { path: '/api/cameras/:camera/ptz/goto', methods: ['POST'], body: 'ptzGoto' },
  { path: '/api/townships', methods: ['GET', 'POST'], body: 'township' },
  { path: '/api/sites', methods: ['GET', 'POST'], body: 'site' },
  { path: '/api/meetings', methods: ['GET', 'POST'], body: 'meeting' },
  { path: '/api/meetings/:meeting', methods: ['GET', 'DELETE'], body: 'none' },
  { path: '/api/users', methods: ['GET', 'POST'], body: 'user' },
  { path: '/api/users/:user', methods: ['PATCH', 'DELETE'], body: 'userPatch' },
  { path: '/api/users/:user/revoke', methods: ['POST'], body: 'none' },
  { path: '/api/audit', methods: ['GET'], body: 'none' },
  { path: '/api', methods: ['GET'], body: 'none' },
  { path: '/api/no/such/route', methods: ['GET', 'POST'], body: 'none' },
];
/** Routes that answer without sign-in. */
const OPEN = /^\/api\/(health|login|refresh)\/?$/i;

const LONG = 'x'.repeat(5000);
const ODD_SEGMENTS = [
  'nope',
  'NOPE',
  '%00',
  '..',
  '../..',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2e%2e%2fusers',
  '%E0%A4%A',
  '%',
  '%%41',
  '摄像头',
  '🎥📹',
  '\u202egnp.exe',
  ' ',
  '%20',
  'a;b=c',
  'a\\b',
  'a%5Cb',
  LONG,
  `${'%41'.repeat(1500)}`,
  '-',
  '_',
  'a'.repeat(65),
  '0',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%u0000',
  '%0d%0aSet-Cookie:x=1',
  '$(reboot)',
  '*',
];
const PARAM_VALUES: Record<Param, string[]> = {
  camera: ['fz-cam-1', 'fz-cam-2', ...ODD_SEGMENTS],
  user: ['admin', 'fz-display', 'fz-township', 'fz-victim', 'Admin', ...ODD_SEGMENTS],
  meeting: ['fz-meet', ...ODD_SEGMENTS],
  hls: ['index.m3u8', 'seg1.ts', 'seg99999999999.ts', '..%2F..%2F..%2Fetc%2Fpasswd', 'index.m3u8%00.jpg', ...ODD_SEGMENTS],
  recording: ['20260101T000000Z.mp4', '20260101T000000Z.mp4.part', '..%2F..%2Fredis.sock', ...ODD_SEGMENTS],
};

type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'shaped'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'deep'; depth: number }
  | { kind: 'wrong-type'; type: string; value: unknown }
  | { kind: 'bad-charset'; value: unknown }
  | { kind: 'bad-encoding'; encoding: string; value: unknown };

interface HttpCase {
  type: 'http';
  route: number;
  method: string;
  params: Partial<Record<Param, string>>;
  query: string;
  body: BodySpec;
  cred: Cred;
}

const KNOWN_EVENTS = ['room:join', 'transport:create', 'transport:connect', 'camera:consume', 'camera:watch', 'consumer:resume', 'consumer:close'] as const;
type KnownEvent = (typeof KNOWN_EVENTS)[number];
const SCHEMAS: Record<KnownEvent, z.ZodType> = {
  'room:join': JoinRoomRequestSchema,
  'transport:create': CreateTransportRequestSchema,
  'transport:connect': ConnectTransportRequestSchema,
  'camera:consume': ConsumeCameraRequestSchema,
  'camera:watch': WatchCamerasRequestSchema,
  'consumer:resume': ConsumerRequestSchema,
  'consumer:close': ConsumerRequestSchema,
};
// Not the client's reserved names (connect, disconnect, ...): socket.io-client refuses to send those.
const UNKNOWN_EVENTS = ['room:leave', 'camera:add', 'user:create', 'admin', 'error', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ROOM:JOIN', 'room:join ', '', 'x'.repeat(2000), '摄像头', 'ingest:open', 'ingest:state'];

type Payload =
  | { kind: 'value'; value: unknown }
  | { kind: 'huge-string'; bytes: number }
  | { kind: 'deep'; depth: number }
  | { kind: 'binary'; bytes: number }
  | { kind: 'oversized'; bytes: number };

interface SocketCase {
  type: 'socket';
  /** 0, 1: display sockets; 2, 3: township sockets. */
  socket: number;
  event: string;
  payload: Payload;
  /** How the arguments are laid out: `payload, ack` is what the server expects. */
  shape: 'payload' | 'payload+ack' | 'ack-only' | 'two+ack' | 'none';
}

interface HandshakeCase {
  type: 'handshake';
  auth: 'none' | 'empty-token' | 'garbage' | 'number' | 'object' | 'huge' | 'forged' | 'alg-none' | 'expired' | 'unknown-session' | 'wrong-issuer' | 'foreign-origin';
}

type Case = HttpCase | SocketCase | HandshakeCase;

const ascii = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max });
const anyString = (max: number) => fc.oneof(ascii(max), fc.string({ unit: 'grapheme', maxLength: max }), fc.string({ unit: 'binary', maxLength: max }));
const slugish = fc.oneof(fc.constantFrom('fz-new', 'fz-cam-1', 'fz-town', 'fz-site', 'fz-other', 'fz-meet', 'admin', 'fz-display'), ascii(70), fc.constant(''));
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const junk = fc.oneof(jsonValue, anyString(200), fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}));
/** An object shaped like `shape`: as is, or with some fields dropped, mistyped, or added. */
function shaped(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const keys = Object.keys(shape);
  const mutated = fc
    .record({
      base: fc.record(shape),
      drop: fc.subarray(keys),
      retype: fc.option(fc.tuple(fc.constantFrom(...keys), junk), { nil: undefined }),
      extra: fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'role', 'isAdmin', 'ffmpegArgs', 'x'), junk), { nil: undefined }),
    })
    .map(({ base, drop, retype, extra }) => {
      const out: Record<string, unknown> = { ...base };
      for (const k of drop) delete out[k];
      if (retype) out[retype[0]] = retype[1];
      if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true });
      return out;
    });
  return fc.oneof({ weight: 2, arbitrary: fc.record(shape) }, { weight: 3, arbitrary: mutated });
}
const ROLES = fc.constantFrom('admin', 'operator', 'township', 'inspector', 'display', 'root', '', 'ADMIN');
const BODIES: Record<Exclude<BodyKind, 'none'>, fc.Arbitrary<unknown>> = {
  login: shaped({ username: fc.constantFrom('admin', 'fz-display', 'fz-township', 'nobody'), password: ascii(40) }),
  refresh: shaped({ refreshToken: fc.oneof(ascii(80), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }).map((h) => `${h}.secret`)) }),
  camera: shaped({
    id: slugish,
    name: anyString(120),
    url: fc.constantFrom('rtsp://127.0.0.1:1/x', 'rtsp://8.8.8.8/x', 'http://127.0.0.1/x', 'rtsp://h/x -f null -y /tmp/p', 'file:///etc/passwd', 'rtsp://[::1]/x'),
    siteId: slugish,
    kind: slugish,
    pull: fc.constantFrom('on-demand', 'always', 'sometimes'),
    record: fc.boolean(),
    onvif: fc.record({ url: fc.constantFrom('http://127.0.0.1:1/onvif', 'http://u:p@127.0.0.1/x', 'ftp://x'), password: ascii(10) }),
  }),
  recording: shaped({ enabled: fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(1)) }),
  ptzSave: shaped({ name: fc.oneof(ascii(70), fc.constant('<x>&"'), fc.constant('home')) }),
  ptzGoto: fc.oneof(shaped({ token: ascii(70) }), shaped({ name: ascii(70) }), shaped({ token: ascii(5), name: ascii(5) })),
  township: shaped({ id: slugish, name: anyString(120) }),
  site: shaped({ id: slugish, name: anyString(120), townshipId: fc.constantFrom('fz-town', 'fz-other', 'nope', 'BAD ID') }),
  meeting: shaped({ id: slugish, title: anyString(220), townshipIds: fc.array(slugish, { maxLength: 3 }) }),
  user: shaped({ username: slugish, password: ascii(300), role: ROLES, townshipId: slugish, siteIds: fc.array(slugish, { maxLength: 3 }) }),
  userPatch: shaped({ role: ROLES, password: ascii(20), disabled: fc.boolean(), townshipId: slugish, siteIds: fc.array(slugish, { maxLength: 2 }) }),
};

function bodyArb(route: Route): fc.Arbitrary<BodySpec> {
  const value = route.body === 'none' ? jsonValue : BODIES[route.body];
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
    { weight: 20, arbitrary: junk.map((v): BodySpec => ({ kind: 'json', value: v })) },
    { weight: 28, arbitrary: value.map((v): BodySpec => ({ kind: 'shaped', value: v })) },
    {
      weight: 10,
      arbitrary: fc
        .oneof(anyString(300), fc.constantFrom('{"id":', '{', '[', 'null', '"str"', '123', '{"a":1}}', '\u0000', '{"__proto__":{"admin":true}}', "{'a':1}", ''))
        .map((text): BodySpec => ({ kind: 'text', text })),
    },
    { weight: 8, arbitrary: fc.integer({ min: 64 * 1024 + 1, max: 300 * 1024 }).map((bytes): BodySpec => ({ kind: 'oversized', bytes })) },
    { weight: 5, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((depth): BodySpec => ({ kind: 'deep', depth })) },
    {
      weight: 9,
      arbitrary: fc
        .record({
          type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/json-patch+json', 'APPLICATION/JSON', 'application/json; charset=utf-8'),
          value,
        })
        .map((r): BodySpec => ({ kind: 'wrong-type', ...r })),
    },
    { weight: 4, arbitrary: value.map((v): BodySpec => ({ kind: 'bad-charset', value: v })) },
    {
      weight: 4,
      arbitrary: fc.record({ encoding: fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'identity, gzip'), value }).map((r): BodySpec => ({ kind: 'bad-encoding', ...r })),
    },
  );
}

const queryArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom('limit', 'from', 'to', 'before', 'actor', 'action', 'target', 'a', '__proto__', 'limit[]', 'from[x]', 'token', ''),
          fc.constantFrom('1', '0', '-1', '201', '1e9', 'abc', '2026-01-01T00:00:00Z', 'not-a-date', '9999-99-99', '1-1', 'login', '%00', '%E0%A4%A', LONG, '', '[]', '{}'),
        ),
        { maxLength: 6 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  },
);

const httpArb: fc.Arbitrary<HttpCase> = fc.integer({ min: 0, max: ROUTES.length - 1 }).chain((route) => {
  const r = ROUTES[route]!;
  const params = fc.record({
    camera: fc.constantFrom(...PARAM_VALUES.camera),
    user: fc.constantFrom(...PARAM_VALUES.user),
    meeting: fc.constantFrom(...PARAM_VALUES.meeting),
    hls: fc.constantFrom(...PARAM_VALUES.hls),
    recording: fc.constantFrom(...PARAM_VALUES.recording),
  });
  return fc.record({
    type: fc.constant('http' as const),
    route: fc.constant(route),
    method: fc.oneof({ weight: 7, arbitrary: fc.constantFrom(...r.methods) }, { weight: 3, arbitrary: fc.constantFrom(...METHODS) }),
    params,
    query: queryArb,
    body: bodyArb(r),
    cred: fc.constantFrom(...CREDS),
  });
});

function payloadArb(event: string): fc.Arbitrary<Payload> {
  const near: Record<KnownEvent, fc.Arbitrary<unknown>> = {
    'room:join': shaped({ roomId: fc.constantFrom('wall:main', 'wall:fz', 'meeting:fz-meet', 'meeting:nope', 'lobby', 'wall:', 'WALL:MAIN', 'meeting:../x', LONG) }),
    'transport:create': shaped({ direction: fc.constantFrom('recv', 'send', 'both', '') }),
    'transport:connect': shaped({
      transportId: ascii(70),
      dtlsParameters: shaped({ role: fc.constantFrom('auto', 'client', 'server', 'x'), fingerprints: fc.array(shaped({ algorithm: ascii(10), value: ascii(20) }), { maxLength: 10 }) }),
    }),
    'camera:consume': shaped({
      transportId: ascii(70),
      cameraId: fc.constantFrom('fz-cam-1', 'fz-cam-2', 'nope', 'BAD'),
      kind: fc.constantFrom('video', 'audio', 'data'),
      rtpCapabilities: shaped({ codecs: fc.array(shaped({ mimeType: ascii(12), kind: ascii(6), clockRate: fc.integer() }), { maxLength: 3 }) }),
    }),
    'camera:watch': shaped({ cameraIds: fc.array(fc.constantFrom('fz-cam-1', 'fz-cam-2', 'nope', 'BAD', ''), { maxLength: 300 }) }),
    'consumer:resume': shaped({ consumerId: ascii(70) }),
    'consumer:close': shaped({ consumerId: ascii(70) }),
  };
  const nearValue = (KNOWN_EVENTS as readonly string[]).includes(event) ? near[event as KnownEvent] : jsonValue;
  return fc.oneof(
    { weight: 30, arbitrary: nearValue.map((value): Payload => ({ kind: 'value', value })) },
    { weight: 30, arbitrary: junk.map((value): Payload => ({ kind: 'value', value })) },
    { weight: 6, arbitrary: fc.constantFrom(null, undefined, 0, -1, NaN, '', [], {}, [[]], { roomId: null }).map((value): Payload => ({ kind: 'value', value })) },
    { weight: 6, arbitrary: fc.integer({ min: 10_000, max: 200_000 }).map((bytes): Payload => ({ kind: 'huge-string', bytes })) },
    { weight: 6, arbitrary: fc.integer({ min: 50, max: 1000 }).map((depth): Payload => ({ kind: 'deep', depth })) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((bytes): Payload => ({ kind: 'binary', bytes })) },
    { weight: 1, arbitrary: fc.integer({ min: MAX_SOCKET_MESSAGE + 1024, max: 400_000 }).map((bytes): Payload => ({ kind: 'oversized', bytes })) },
  );
}

const socketArb: fc.Arbitrary<SocketCase> = fc
  .oneof({ weight: 85, arbitrary: fc.constantFrom<string>(...KNOWN_EVENTS) }, { weight: 15, arbitrary: fc.constantFrom(...UNKNOWN_EVENTS) })
  .chain((event) =>
    fc.record({
      type: fc.constant('socket' as const),
      socket: fc.integer({ min: 0, max: 3 }),
      event: fc.constant(event),
      payload: payloadArb(event),
      shape: fc.oneof(
        { weight: 70, arbitrary: fc.constant('payload+ack' as const) },
        { weight: 16, arbitrary: fc.constant('payload' as const) },
        { weight: 5, arbitrary: fc.constant('ack-only' as const) },
        { weight: 5, arbitrary: fc.constant('two+ack' as const) },
        { weight: 4, arbitrary: fc.constant('none' as const) },
      ),
    }),
  );

const handshakeArb: fc.Arbitrary<HandshakeCase> = fc.record({
  type: fc.constant('handshake' as const),
  auth: fc.constantFrom('none', 'empty-token', 'garbage', 'number', 'object', 'huge', 'forged', 'alg-none', 'expired', 'unknown-session', 'wrong-issuer', 'foreign-origin'),
});

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 64, arbitrary: httpArb },
  { weight: 34, arbitrary: socketArb },
  { weight: 2, arbitrary: handshakeArb },
);

// ---- running them -------------------------------------------------------------------------

interface Tokens {
  admin: string;
  display: string;
  township: string;
  garbage: string;
  forged: string;
  'alg-none': string;
  expired: string;
  'unknown-session': string;
  'wrong-issuer': string;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Tokens that must all be refused, made with the server's own key where that makes them sharper. */
async function makeTokens(stack: Stack, display: string, township: string): Promise<Tokens> {
  const redis = new Redis({ path: stack.redis!.url.slice('unix://'.length) });
  let key: Uint8Array;
  try {
    key = Buffer.from((await redis.get('cv:auth:secret'))!, 'base64');
  } finally {
    redis.disconnect();
  }
  const sid = decodeJwt(stack.adminToken).sid as string;
  const now = Math.floor(Date.now() / 1000);
  const sign = (k: Uint8Array, claims: { sid: string; iss: string; iat: number; exp: number }) =>
    new SignJWT({ sid: claims.sid, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuer(claims.iss)
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.exp)
      .sign(k);
  return {
    admin: stack.adminToken,
    display,
    township,
    garbage: 'eyJhbGciOiJIUzI1NiJ9.garbage.garbage',
    forged: await sign(crypto.randomBytes(32), { sid, iss: 'county-video', iat: now, exp: now + 600 }),
    'alg-none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', sid, role: 'admin', iss: 'county-video', exp: now + 600 })}.`,
    expired: await sign(key, { sid, iss: 'county-video', iat: now - 7200, exp: now - 3600 }),
    'unknown-session': await sign(key, { sid: crypto.randomBytes(16).toString('hex'), iss: 'county-video', iat: now, exp: now + 600 }),
    'wrong-issuer': await sign(key, { sid, iss: 'someone-else', iat: now, exp: now + 600 }),
  };
}

function credHeaders(cred: Cred, t: Tokens): Record<string, string> {
  switch (cred) {
    case 'none':
      return {};
    case 'forged-cookie':
      return { cookie: `cv_access=${t.forged}; cv_refresh=${'a'.repeat(32)}.x` };
    case 'bad-cookie':
      // Not valid percent-encoding: what a broken proxy or a hand-made request sends.
      return { cookie: 'cv_access=%E0%A4%A; cv_refresh=%zz' };
    case 'basic':
      return { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` };
    default:
      return { authorization: `Bearer ${t[cred]}` };
  }
}

function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function deepValue(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** The URL path of a case, its parameters filled in (not encoded: odd characters go as they are). */
function pathOf(c: HttpCase): string {
  return ROUTES[c.route]!.path.replace(/:(camera|user|meeting|hls|recording)/g, (_m, p: Param) => c.params[p] ?? 'x');
}

/**
 * Makes a generated case safe to send without changing state: admin requests become reads,
 * a signed-in user's POST /api/logout loses its credentials (logging out is allowed), and
 * snapshot/HLS/PTZ reads of a real camera by someone allowed to see it (they start ffmpeg
 * or ONVIF work and wait up to 15 s) go to a camera that does not exist.
 */
function sanitize(c: HttpCase, baseUrl: string): HttpCase {
  const out: HttpCase = { ...c, params: { ...c.params } };
  const read = READS.includes(out.method);
  if (out.cred === 'admin' && !read) out.cred = 'display';
  const decoded = (() => {
    const p = new URL(`${baseUrl}${pathOf(out)}`).pathname;
    try {
      return decodeURIComponent(p).toLowerCase();
    } catch {
      return p.toLowerCase();
    }
  })();
  if ((out.cred === 'display' || out.cred === 'township') && out.method === 'POST' && /^\/api\/logout\/?$/.test(decoded)) out.cred = 'none';
  if ((out.cred === 'admin' || out.cred === 'display') && read && /^\/api\/cameras\/fz-cam-\d\/(snapshot\.jpg|hls\/|ptz\/presets)/.test(decoded)) {
    out.params.camera = 'nope';
  }
  return out;
}

interface HttpRequest {
  url: string;
  init: RequestInit;
}

function buildRequest(c: HttpCase, baseUrl: string, tokens: Tokens): HttpRequest {
  const headers: Record<string, string> = { ...credHeaders(c.cred, tokens) };
  let body: string | undefined;
  const hasBody = !['GET', 'HEAD'].includes(c.method);
  if (hasBody) {
    const b = c.body;
    switch (b.kind) {
      case 'none':
        break;
      case 'json':
      case 'shaped':
        headers['content-type'] = 'application/json';
        body = JSON.stringify(b.value) ?? 'null';
        break;
      case 'text':
        headers['content-type'] = 'application/json';
        body = b.text;
        break;
      case 'oversized':
        headers['content-type'] = 'application/json';
        body = JSON.stringify({ id: 'fz-big', name: 'y'.repeat(b.bytes) });
        break;
      case 'deep':
        headers['content-type'] = 'application/json';
        body = deepJson(b.depth);
        break;
      case 'wrong-type':
        headers['content-type'] = b.type;
        body = b.type.startsWith('application/x-www-form-urlencoded') ? 'id=fz-new&name=x&role=admin' : (JSON.stringify(b.value) ?? 'null');
        break;
      case 'bad-charset':
        headers['content-type'] = 'application/json; charset=utf-7';
        body = JSON.stringify(b.value) ?? 'null';
        break;
      case 'bad-encoding':
        headers['content-type'] = 'application/json';
        headers['content-encoding'] = b.encoding;
        body = JSON.stringify(b.value) ?? 'null';
        break;
    }
  }
  return {
    url: `${baseUrl}${pathOf(c)}${c.query}`,
    init: { method: c.method, headers, body, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) },
  };
}

interface Outcome {
  /** Label for the distribution: "http 401 unauthorized", "ack bad_request", ... */
  label: string;
  /** What went wrong, if anything (with the case, shortened). */
  problem?: string;
  /** A problem of the known class "the server never answers an ack it does not expect". */
  unanswered?: string;
}

const short = (v: unknown) => {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 80 ? `${x.slice(0, 40)}…(${x.length})` : x));
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

/**
 * Secrets nobody may read (camera URLs, password hashes), and for the township user, whose
 * township has no sites, cameras or meetings, anything of the other township.
 */
function leaked(text: string, township: boolean): string | undefined {
  if (/rtsps?:\/\/[^\s"]/.test(text)) return 'a camera URL'; // not the bare scheme a validation message names
  if (text.includes('scrypt$') || text.includes('passwordHash')) return 'a password hash';
  if (township && /fz-cam-|fz-site|fz-meet|"fz-town"/.test(text)) return "another township's things to a township user";
  return undefined;
}

function isErrorBody(v: unknown): v is { code: string; message: string } {
  const e = v as { code?: unknown; message?: unknown } | null | undefined;
  return typeof e === 'object' && e !== null && (ERROR_CODES as readonly unknown[]).includes(e.code) && typeof e.message === 'string' && e.message.length > 0;
}

async function runHttp(c: HttpCase, baseUrl: string, tokens: Tokens): Promise<Outcome> {
  const { url, init } = buildRequest(c, baseUrl, tokens);
  const describe = `${c.method} ${short(pathOf(c) + c.query)} as ${c.cred} body ${short(c.body)}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (err) {
    return { label: 'http no answer', problem: `no answer (${(err as Error).name}) :: ${describe}: ${(err as Error).message}` };
  }
  // What the server saw: the URL parser resolves "..", so some paths leave /api.
  const path = new URL(url).pathname;
  const outsideApi = !/^\/api(\/|$)/i.test(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const code = isErrorBody(json) ? json.code : undefined;
  const label = `http ${res.status}${code ? ` ${code}` : ''}`;
  const fail = (why: string): Outcome => ({ label, problem: `${why} :: ${describe} → ${res.status} ${text.slice(0, 200)}` });
  if (res.status >= 500) return fail(`server error (credentials: ${c.cred})`);
  const leak = leaked(text, c.cred === 'township');
  if (leak) return fail(`answer shows ${leak}`);
  if (res.status < 200 || (res.status >= 300 && res.status < 400)) return fail('unexpected status');
  const open = OPEN.test(path);
  if (res.status < 300) {
    if (!READS.includes(c.method)) return fail('a write that must be refused succeeded');
    if (!SIGNED_IN.includes(c.cred) && !open) return fail('bad credentials accepted');
    return { label };
  }
  if (outsideApi) return res.status === 404 ? { label: 'http 404 (outside /api)' } : fail('outside /api: not 404');
  if (c.method !== 'HEAD') {
    if (!code) return fail('error without a JSON {code, message} body');
    if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return fail('error body not labelled JSON');
  }
  if (!SIGNED_IN.includes(c.cred) && !open && ![400, 401, 413, 415].includes(res.status)) return fail('bad credentials not answered 401');
  return { label };
}

type LooseSocket = {
  connected: boolean;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
};

function payloadValue(p: Payload): unknown {
  switch (p.kind) {
    case 'value':
      return p.value;
    case 'huge-string':
      return 'h'.repeat(p.bytes);
    case 'deep':
      return deepValue(p.depth);
    case 'binary':
      return Buffer.alloc(p.bytes, 7);
    case 'oversized':
      return { roomId: 'o'.repeat(p.bytes) };
  }
}

type AckResult = { ack: unknown } | { timeout: true } | { dropped: string };

function emitWithAck(socket: LooseSocket, ms: number, event: string, args: unknown[]): Promise<AckResult> {
  return new Promise((resolve) => {
    socket.timeout(ms).emit(event, ...args, (err: Error | null, ack: unknown) => {
      if (!err) resolve({ ack });
      else if (/timed out/.test(err.message)) resolve({ timeout: true });
      else resolve({ dropped: err.message }); // "socket has been disconnected"
    });
  });
}

async function runSocket(c: SocketCase, sockets: LooseSocket[], oversized: () => Promise<Outcome>): Promise<Outcome> {
  if (c.payload.kind === 'oversized') return oversized();
  const socket = sockets[c.socket]!;
  const payload = payloadValue(c.payload);
  const describe = `${short(c.event)} ${c.shape} from ${c.socket < 2 ? 'display' : 'township'} payload ${short(c.payload.kind === 'value' ? c.payload.value : c.payload)}`;
  if (c.shape === 'payload' || c.shape === 'none') {
    if (c.shape === 'payload') socket.emit(c.event, payload);
    else socket.emit(c.event);
    return { label: 'no ack (ignored)' };
  }
  const known = (KNOWN_EVENTS as readonly string[]).includes(c.event);
  if (c.shape !== 'payload+ack' || !known) {
    // A request with an ack the server does not expect: it must still answer with an error.
    const args = c.shape === 'ack-only' ? [] : c.shape === 'two+ack' ? [payload, { extra: true }] : [payload];
    const r = await emitWithAck(socket, SHORT_ACK_TIMEOUT_MS, c.event, args);
    if ('dropped' in r) return { label: 'socket dropped', problem: `connection dropped :: ${describe}` };
    if ('timeout' in r) return { label: `unanswered ${known ? c.shape : 'unknown event'}`, unanswered: `${describe}` };
    const ack = r.ack as { ok?: unknown; error?: unknown };
    if (ack?.ok !== false || !isErrorBody(ack.error)) return { label: 'ack wrong', problem: `not an error ack :: ${describe} → ${short(ack)}` };
    return { label: `ack ${(ack.error as { code: string }).code} (${known ? c.shape : 'unknown event'})` };
  }
  const r = await emitWithAck(socket, ACK_TIMEOUT_MS, c.event, [payload]);
  if ('dropped' in r) return { label: 'socket dropped', problem: `connection dropped :: ${describe}` };
  if ('timeout' in r) return { label: 'ack timeout', problem: `no ack within ${ACK_TIMEOUT_MS} ms :: ${describe}` };
  const ack = r.ack as { ok?: unknown; error?: unknown; data?: unknown } | null;
  const valid = SCHEMAS[c.event as KnownEvent].safeParse(payload).success;
  if (ack?.ok === true) {
    if (!valid) return { label: 'ack ok', problem: `accepted a payload its schema refuses :: ${describe}` };
    const leak = leaked(JSON.stringify(ack), c.socket >= 2);
    if (leak) return { label: 'ack ok', problem: `ack shows ${leak} :: ${describe}` };
    return { label: `ack ok (${c.event})` };
  }
  if (ack?.ok !== false || !isErrorBody(ack.error)) return { label: 'ack wrong', problem: `not an error ack :: ${describe} → ${short(ack)}` };
  const code = (ack.error as { code: string }).code;
  if (!valid && code !== 'bad_request') return { label: `ack ${code}`, problem: `malformed payload answered ${code}, not bad_request :: ${describe}` };
  return { label: `ack ${code}` };
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function count(labels: string[]): string {
  const m = new Map<string, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join('\n  ');
}

/** Problems ("<why> :: <case>") grouped by why, three examples each. */
function grouped(problems: string[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const p of problems) {
    const [why = p, detail = ''] = p.split(' :: ');
    const list = byReason.get(why) ?? [];
    list.push(detail);
    byReason.set(why, list);
  }
  return [...byReason].map(([why, list]) => `${list.length}× ${why} — e.g. ${list.slice(0, 3).join(' | ')}`);
}

// ---- the test -----------------------------------------------------------------------------

describe('fuzz: 10,000 malformed, oversized and unauthorised requests', () => {
  let stack: Stack;
  let tokens: Tokens;
  const sockets: ReturnType<typeof browserSocket>[] = [];
  const throwaway = new Set<ReturnType<typeof io>>();
  let before: unknown;
  let logOffset = 0;
  const outcomes: Outcome[] = [];
  let cases: Case[] = [];

  const snapshot = async () => {
    const get = async (path: string) => {
      const r = await api(stack.baseUrl, 'GET', path);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
      return r.json;
    };
    // Status, activity and health are live facts (a watched camera is pulled); the records are the state.
    const cameras = ((await get('/api/cameras')) as Record<string, unknown>[]).map(({ id, name, siteId, townshipId, kind, pull, record, ptz }) => ({ id, name, siteId, townshipId, kind, pull, record, ptz }));
    const sites = ((await get('/api/sites')) as { streams: { cameraId: string; kind: string }[] }[]).map((s) => ({
      ...s,
      streams: s.streams.map(({ cameraId, kind }) => ({ cameraId, kind })),
    }));
    return { cameras, sites, townships: await get('/api/townships'), users: await get('/api/users'), meetings: await get('/api/meetings') };
  };

  beforeAll(async () => {
    stack = await startStack({ gateway: false });
    const admin = async (path: string, body: unknown) => {
      const r = await api(stack.baseUrl, 'POST', path, body);
      if (r.status !== 201) throw new Error(`seeding ${path}: ${r.status} ${r.text}`);
    };
    await admin('/api/townships', { id: 'fz-town', name: '龙里镇' });
    await admin('/api/townships', { id: 'fz-other', name: '洗马镇' });
    await admin('/api/sites', { id: 'fz-site', name: '大桥工地', townshipId: 'fz-town' });
    await admin('/api/cameras', { id: 'fz-cam-1', name: '大桥全景', url: 'rtsp://127.0.0.1:1/a', siteId: 'fz-site', kind: 'panorama' });
    await admin('/api/cameras', { id: 'fz-cam-2', name: '大桥近景', url: 'rtsp://127.0.0.1:1/b', siteId: 'fz-site', kind: 'close' });
    await admin('/api/meetings', { id: 'fz-meet', title: '龙里镇例会', townshipIds: ['fz-town'] });
    // The township user is in the other township: every camera here is outside their scope.
    await admin('/api/users', { username: 'fz-township', password: 'fz-township-pass', role: 'township', townshipId: 'fz-other' });
    await admin('/api/users', { username: 'fz-display', password: 'fz-display-pass', role: 'display' });
    await admin('/api/users', { username: 'fz-victim', password: 'fz-victim-pass', role: 'operator' });
    const display = await login(stack.baseUrl, 'fz-display', 'fz-display-pass');
    const township = await login(stack.baseUrl, 'fz-township', 'fz-township-pass');
    tokens = await makeTokens(stack, display, township);
    for (const t of [display, display, township, township]) {
      const s = browserSocket(stack.baseUrl, t);
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      s.io.reconnection(false); // a socket the server drops must show, not quietly come back
    }
    before = await snapshot();
    logOffset = stack.logs.lines.length;
    cases = fc.sample(caseArb, { seed: SEED, numRuns: TOTAL }).map((c) => (c.type === 'http' ? sanitize(c, stack.baseUrl) : c));
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const s of throwaway) s.close();
    await stack?.stop();
  });

  it(`answers each of ${TOTAL} cases (seed ${SEED}) with a clear error, within a timeout`, async () => {
    expect(cases).toHaveLength(TOTAL);
    const loose = sockets as unknown as LooseSocket[];
    const socketOf = (opts: { token?: unknown; auth?: object; origin?: string }) => {
      const s = io(stack.baseUrl, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: opts.auth ?? {},
        ...(opts.origin ? { extraHeaders: { origin: opts.origin } } : {}),
      });
      throwaway.add(s);
      return s;
    };
    const closeThrowaway = (s: ReturnType<typeof io>) => {
      s.close();
      throwaway.delete(s);
    };

    const oversized = async (): Promise<Outcome> => {
      const s = socketOf({ auth: { token: tokens.display } });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
        });
        // Over maxHttpBufferSize: the server closes the connection (the client's ack fails with it).
        const r = await emitWithAck(s as unknown as LooseSocket, ACK_TIMEOUT_MS, 'room:join', [payloadValue({ kind: 'oversized', bytes: MAX_SOCKET_MESSAGE + 4096 })]);
        if ('dropped' in r) return { label: 'oversized: connection closed' };
        if ('timeout' in r) return { label: 'oversized: no answer', problem: 'a message over 256 kB neither answered nor dropped the connection :: room:join' };
        const ack = r.ack as { ok?: unknown; error?: unknown };
        return ack?.ok === false && isErrorBody(ack.error) ? { label: 'oversized: error ack' } : { label: 'oversized: wrong', problem: `oversized message: not an error ack :: ${short(ack)}` };
      } finally {
        closeThrowaway(s);
      }
    };

    const handshake = async (c: HandshakeCase): Promise<Outcome> => {
      const auth: Record<HandshakeCase['auth'], { auth?: object; origin?: string }> = {
        none: {},
        'empty-token': { auth: { token: '' } },
        garbage: { auth: { token: tokens.garbage } },
        number: { auth: { token: 12345 } },
        object: { auth: { token: { sub: 'admin' } } },
        huge: { auth: { token: 'h'.repeat(100_000) } },
        forged: { auth: { token: tokens.forged } },
        'alg-none': { auth: { token: tokens['alg-none'] } },
        expired: { auth: { token: tokens.expired } },
        'unknown-session': { auth: { token: tokens['unknown-session'] } },
        'wrong-issuer': { auth: { token: tokens['wrong-issuer'] } },
        // A valid token from a page of another origin.
        'foreign-origin': { auth: { token: tokens.display }, origin: 'http://evil.example' },
      };
      const s = socketOf(auth[c.auth]);
      try {
        const r = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('timeout'), ACK_TIMEOUT_MS);
          s.once('connect', () => (clearTimeout(timer), resolve('connected')));
          s.once('connect_error', (err) => (clearTimeout(timer), resolve(`connect_error ${err.message}`)));
          s.once('disconnect', (reason) => (clearTimeout(timer), resolve(`disconnect ${reason}`)));
        });
        const label = `handshake ${c.auth}: ${r}`;
        if (r === 'connected' || r === 'timeout') return { label, problem: `handshake not refused :: ${c.auth}: ${r}` };
        if (c.auth !== 'foreign-origin' && r !== 'connect_error unauthorized') return { label, problem: `handshake refused without "unauthorized" :: ${c.auth}: ${r}` };
        return { label };
      } finally {
        closeThrowaway(s);
      }
    };

    const run = async (c: Case): Promise<void> => {
      let o: Outcome;
      try {
        if (c.type === 'http') o = await runHttp(c, stack.baseUrl, tokens);
        else if (c.type === 'socket') o = await runSocket(c, loose, oversized);
        else o = await handshake(c);
      } catch (err) {
        o = { label: 'test error', problem: `the test itself failed :: ${c.type} ${short(c)}: ${(err as Error).stack}` };
      }
      outcomes.push(o);
    };
    // Messages the server may leave unanswered wait out their timeout; they run apart, wider.
    const mayHang = (c: Case) => c.type === 'socket' && c.payload.kind !== 'oversized' && (c.shape === 'ack-only' || c.shape === 'two+ack' || (c.shape === 'payload+ack' && !(KNOWN_EVENTS as readonly string[]).includes(c.event)));
    const started = Date.now();
    await pool(
      cases.filter((c) => !mayHang(c)),
      IN_FLIGHT,
      run,
    );
    await pool(cases.filter(mayHang), 64, run);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    expect(outcomes).toHaveLength(TOTAL);
    const kinds = { http: 0, socket: 0, handshake: 0 };
    for (const c of cases) kinds[c.type]++;
    process.stdout.write(
      `fuzz: ${TOTAL} cases (seed ${SEED}) in ${seconds} s — ${kinds.http} HTTP, ${kinds.socket} socket.io messages, ${kinds.handshake} handshakes\n  ${count(outcomes.map((o) => o.label))}\n`,
    );
    const problems = outcomes.flatMap((o) => (o.problem ? [o.problem] : []));
    expect(grouped(problems)).toEqual([]);
  }, 150_000);

  it('answers socket.io requests it does not expect (unknown event, ack without payload, extra arguments) with an error ack', () => {
    const unanswered = outcomes.flatMap((o) => (o.unanswered ? [o.unanswered] : []));
    const asked = outcomes.filter((o) => o.unanswered || /\((unknown event|ack-only|two\+ack)\)$/.test(o.label)).length;
    expect(asked).toBeGreaterThan(0);
    expect({ unanswered: unanswered.length, of: asked, examples: unanswered.slice(0, 5) }).toEqual({ unanswered: 0, of: asked, examples: [] });
  });

  it('stays up, with the state, sessions and sockets as they were', async () => {
    expect((await api(stack.baseUrl, 'GET', '/api/health')).status).toBe(200);
    expect(await snapshot()).toEqual(before);
    for (const t of [tokens.admin, tokens.display, tokens.township]) {
      expect((await api(stack.baseUrl, 'GET', '/api/me', undefined, { token: t })).status).toBe(200);
    }
    // The four sockets the messages came through are still connected and answering.
    for (const s of sockets) {
      expect(s.connected).toBe(true);
      const r = await emitWithAck(s as unknown as LooseSocket, ACK_TIMEOUT_MS, 'consumer:close', [{ consumerId: 'none' }]);
      expect(r).toEqual({ ack: { ok: false, error: expect.objectContaining({ code: expect.any(String) }) } });
    }
  });

  it('logs no error caused by the fuzz', () => {
    const errors = stack.logs.lines
      .slice(logOffset)
      .map((l) => {
        try {
          return JSON.parse(l) as { level: number; msg?: string; err?: { type?: string; message?: string; stack?: string }; event?: string };
        } catch {
          return { level: 0 };
        }
      })
      .filter((e) => e.level >= 50)
      .map((e) => `${e.msg}${e.event ? ` [${e.event}]` : ''}: ${e.err?.type} ${e.err?.message} @ ${(e.err?.stack ?? '').split('\n')[1]?.trim()}`);
    expect([...new Set(errors)]).toEqual([]);
  });
});
