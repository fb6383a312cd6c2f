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
    RTC_MIN_PORT: port.default(40000),
    RTC_MAX_PORT: port.default(40999),
    /** Where gateways send RTP (plain transports). */
    INGEST_LISTEN_IP: ip.default('127.0.0.1'),
    INGEST_ANNOUNCED_IP: ip.optional(),
    MAX_CAMERAS: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** An on-demand camera keeps being pulled this long after its last viewer leaves. */
    ON_DEMAND_GRACE_S: z.coerce.number().min(0).max(3600).default(60),
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
    MAX_CONSUMERS_PER_PEER: z.coerce.number().int().min(1).max(1024).default(128),
    /** A camera "online" without media this long is restarted (as a silent one is). */
    CAMERA_NO_MEDIA_S: z.coerce.number().min(1).max(600).default(10),
    /** Hosts (names or addresses, comma-separated) whose pages a wall tile may show; empty: no page tiles. */
    WALL_PAGE_HOSTS: z.string().default(''),
    /** Shortest dwell of a tour step; below 5 s only for tests (a wall that flips faster is unreadable). */
    TOUR_MIN_DWELL_S: z.coerce.number().int().min(1).max(3600).default(5),
  })
  .refine((c) => c.RTC_MIN_PORT <= c.RTC_MAX_PORT, { message: 'RTC_MIN_PORT must be <= RTC_MAX_PORT' })
  .refine((c) => !c.TLS_CERT === !c.TLS_KEY, { message: 'TLS_CERT and TLS_KEY go together' })
  .refine((c) => c.TLS !== 'off' || isLoopback(c.HOST), {
    message: 'HOST is not a loopback address: refusing to serve without TLS (set TLS=auto, or TLS_CERT/TLS_KEY)',
  });

export function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}

export type SfuConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  return loadEnv(EnvSchema, env);
}
