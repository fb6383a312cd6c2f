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
    /** Role given to browsers until accounts land (see auth/permissions.ts). */
    DEFAULT_ROLE: z.enum(['county-operator', 'township-staff', 'inspector']).default('county-operator'),
  })
  .refine((c) => c.RTC_MIN_PORT <= c.RTC_MAX_PORT, { message: 'RTC_MIN_PORT must be <= RTC_MAX_PORT' });

export type SfuConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  return loadEnv(EnvSchema, env);
}
