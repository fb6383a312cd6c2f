import os from 'node:os';
import { z } from 'zod';
import { loadEnv } from '@county/shared/node';

const port = z.coerce.number().int().min(0).max(65535);
const ip = z.union([z.ipv4(), z.ipv6()]);

const EnvSchema = z
  .object({
    HOST: ip.default('127.0.0.1'),
    PORT: port.default(8080),
    /** Shared secret the camera gateways present on /ingest. */
    GATEWAY_TOKEN: z.string().min(16, 'GATEWAY_TOKEN: at least 16 characters'),
    /** JSON file of cameras to load at start (see config/cameras.example.json). */
    CAMERAS_FILE: z.string().optional(),
    /** mediasoup workers; default one per core. */
    MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).default(os.availableParallelism()),
    /** WebRTC (browsers): bound to loopback unless the operator opens it to the LAN. */
    RTC_LISTEN_IP: ip.default('127.0.0.1'),
    RTC_ANNOUNCED_IP: ip.optional(),
    /** off: viewers of single-layer streams (cameras) negotiate no transport-cc/REMB, so their transports run no bandwidth estimator. */
    CAMERA_VIEWER_BWE: z.enum(['on', 'off']).default('on'),
    /** `on`: browsers reach worker i on WEBRTC_PORT + i (UDP and TCP); `off`: a port per transport from RTC_MIN_PORT..RTC_MAX_PORT. */
    WEBRTC_SERVER: z.enum(['on', 'off']).default('on'),
    WEBRTC_PORT: port.default(44444),
    /** Ports workers take for transports without a fixed port: loopback pipes and taps, and browsers when WEBRTC_SERVER=off. */
    RTC_MIN_PORT: port.default(40000),
    RTC_MAX_PORT: port.default(40999),
    /** Where gateways send RTP (plain transports), one port per camera stream from the ingest range. */
    INGEST_LISTEN_IP: ip.default('127.0.0.1'),
    INGEST_ANNOUNCED_IP: ip.optional(),
    INGEST_MIN_PORT: port.default(41000),
    INGEST_MAX_PORT: port.default(42999),
    MAX_CAMERAS: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** An on-demand camera keeps being pulled this long after its last viewer leaves. */
    ON_DEMAND_GRACE_S: z.coerce.number().min(0).max(3600).default(60),
    /** A meeting participant whose link dropped keeps their place (and host role) this long. */
    MEETING_GRACE_S: z.coerce.number().min(1).max(3600).default(30),
    /** A live camera whose RTP stops this long is restarted. */
    CAMERA_SILENCE_S: z.coerce.number().min(1).max(600).default(5),
    /** Recorded segments: <dir>/<camera>/<UTC start>.mp4. */
    RECORDINGS_DIR: z.string().default('recordings'),
    RECORDING_SEGMENT_S: z.coerce.number().int().min(2).max(3600).default(60),
    RECORDING_RETENTION_H: z.coerce.number().min(0.01).max(24 * 365).default(72),
    RECORDING_MAX_MB: z.coerce.number().min(1).default(20_480),
    /** Built control-ui to serve; empty disables static serving (API only). */
    UI_DIST: z.string().optional(),
    /** The county's Redis (`redis://host:port/db`, or `unix:///path/redis.sock`): all durable state. */
    REDIS_URL: z.string().min(1, 'REDIS_URL: required (npm start runs its own Redis)'),
    /** Where generated TLS files (county CA, server certificate) live. */
    DATA_DIR: z.string().default('data'),
    /** Password of the first admin (`admin`), used only when no admin exists yet. */
    ADMIN_PASSWORD: z.string().min(8, 'ADMIN_PASSWORD: at least 8 characters').max(256).optional(),
    /** Lifetime of an access token; refresh tokens live AUTH_SESSION_H (people) or AUTH_DISPLAY_DAYS (screens). */
    AUTH_TOKEN_TTL_S: z.coerce.number().int().min(1).max(86_400).default(900),
    AUTH_SESSION_H: z.coerce.number().min(0.01).max(24 * 30).default(12),
    AUTH_DISPLAY_DAYS: z.coerce.number().min(1).max(3650).default(365),
    /** Extra browser origins allowed on socket.io besides the server's own (comma-separated). */
    ALLOWED_ORIGINS: z.string().default(''),
    /** `auto`: TLS when listening beyond loopback; `on`: always (generated certificate without TLS_CERT). */
    TLS: z.enum(['auto', 'on', 'off']).default('auto'),
    /** Extra names or addresses for the generated certificate (comma-separated), e.g. a DNS name PCs use. */
    TLS_HOSTS: z.string().default(''),
    TLS_CERT: z.string().optional(),
    TLS_KEY: z.string().optional(),
    /** With TLS on a LAN address: also plain HTTP on 127.0.0.1 at this port (the local demo). */
    LOCAL_HTTP_PORT: port.optional(),
    /** Cameras and ONVIF devices may only be on these networks (CIDRs, comma-separated). */
    CAMERA_NETWORKS: z.string().default('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7'),
    /** Global caps: a burst from many clients cannot exhaust the node. */
    MAX_HLS_SESSIONS: z.coerce.number().int().min(1).max(1000).default(16),
    MAX_ON_DEMAND_PULLS: z.coerce.number().int().min(1).max(100_000).default(200),
    MAX_TRANSPORTS_PER_PEER: z.coerce.number().int().min(1).max(64).default(4),
    // A 150-person meeting pushes each participant ~300 consumers (video + audio each); a wall uses 2 per tile.
    MAX_CONSUMERS_PER_PEER: z.coerce.number().int().min(1).max(2048).default(400),
    /** A camera "online" without media this long is restarted (as a silent one is). */
    CAMERA_NO_MEDIA_S: z.coerce.number().min(1).max(600).default(10),
    /** Hosts (names or addresses, comma-separated) whose pages a wall tile may show; empty: no page tiles. */
    WALL_PAGE_HOSTS: z.string().default(''),
    /** Shortest dwell of a tour step; below 5 s only for tests (a wall that flips faster is unreadable). */
    TOUR_MIN_DWELL_S: z.coerce.number().int().min(1).max(3600).default(5),
  })
  .refine((c) => c.RTC_MIN_PORT <= c.RTC_MAX_PORT, { message: 'RTC_MIN_PORT must be <= RTC_MAX_PORT' })
  .superRefine((c, ctx) => {
    for (const message of portPlanProblems(c)) ctx.addIssue({ code: 'custom', message });
  })
  .refine((c) => !c.TLS_CERT === !c.TLS_KEY, { message: 'TLS_CERT and TLS_KEY go together' })
  .refine((c) => c.TLS !== 'off' || isLoopback(c.HOST), {
    message: 'HOST is not a loopback address: refusing to serve without TLS (set TLS=auto, or TLS_CERT/TLS_KEY)',
  });

/**
 * Ingest ports one camera can hold at once: its main and its sub stream, each one UDP port
 * (video and audio, RTP and RTCP, on one plain transport).
 */
export const INGEST_PORTS_PER_CAMERA = 2;

interface PortPlan {
  WEBRTC_SERVER: 'on' | 'off';
  WEBRTC_PORT: number;
  MEDIASOUP_WORKERS: number;
  RTC_MIN_PORT: number;
  RTC_MAX_PORT: number;
  INGEST_MIN_PORT: number;
  INGEST_MAX_PORT: number;
  MAX_CAMERAS: number;
}

/**
 * What is wrong with the port ranges, each naming its variables: MAX_CAMERAS cameras must
 * fit in the ingest range, and the WebRTC ports, the ingest range and the RTC range must not
 * overlap (a worker could take a port a camera or a restarted worker's WebRTC server needs).
 */
export function portPlanProblems(c: PortPlan): string[] {
  const problems: string[] = [];
  const overlap = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];
  const ingest: [number, number] = [c.INGEST_MIN_PORT, c.INGEST_MAX_PORT];
  const rtc: [number, number] = [c.RTC_MIN_PORT, c.RTC_MAX_PORT];
  if (c.INGEST_MIN_PORT > c.INGEST_MAX_PORT) return ['INGEST_MIN_PORT must be <= INGEST_MAX_PORT'];
  const size = c.INGEST_MAX_PORT - c.INGEST_MIN_PORT + 1;
  const needed = c.MAX_CAMERAS * INGEST_PORTS_PER_CAMERA;
  if (size < needed) {
    problems.push(
      `INGEST_MIN_PORT..INGEST_MAX_PORT (${c.INGEST_MIN_PORT}-${c.INGEST_MAX_PORT}) holds ${size} ports; ` +
        `MAX_CAMERAS=${c.MAX_CAMERAS} needs ${needed} (${INGEST_PORTS_PER_CAMERA} per camera: main and sub stream, one UDP port each): ` +
        `widen the range or lower MAX_CAMERAS`,
    );
  }
  if (overlap(ingest, rtc)) {
    problems.push(`INGEST_MIN_PORT..INGEST_MAX_PORT (${ingest.join('-')}) overlaps RTC_MIN_PORT..RTC_MAX_PORT (${rtc.join('-')})`);
  }
  if (c.WEBRTC_SERVER === 'on') {
    const webRtc: [number, number] = [c.WEBRTC_PORT, c.WEBRTC_PORT + c.MEDIASOUP_WORKERS - 1];
    const what = `WEBRTC_PORT..WEBRTC_PORT+MEDIASOUP_WORKERS-1 (${webRtc.join('-')})`;
    if (webRtc[1] > 65535) problems.push(`${what} goes past port 65535`);
    if (overlap(webRtc, ingest)) problems.push(`${what} overlaps INGEST_MIN_PORT..INGEST_MAX_PORT (${ingest.join('-')})`);
    if (overlap(webRtc, rtc)) problems.push(`${what} overlaps RTC_MIN_PORT..RTC_MAX_PORT (${rtc.join('-')})`);
  }
  return problems;
}

export function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}

export type SfuConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  return loadEnv(EnvSchema, env);
}
