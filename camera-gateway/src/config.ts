import os from 'node:os';
import { z } from 'zod';
import { GatewayIdSchema } from '@county/shared';
import { loadEnv } from '@county/shared/node';
import { DEFAULT_RTP_MAX_PACKET_BYTES, MAX_RTP_MAX_PACKET_BYTES, MIN_RTP_MAX_PACKET_BYTES } from './rtpPacketSize';

/** The host name as a gateway id ("GW-01.county.local" -> "gw-01-county-local"). */
function hostGatewayId(): string {
  const slug = os.hostname().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 64);
  return slug || 'gateway';
}

const EnvSchema = z.object({
  /** The SFU whose /ingest namespace assigns cameras to this gateway. */
  SFU_URL: z.url().default('http://127.0.0.1:8080'),
  GATEWAY_TOKEN: z.string().min(16, 'GATEWAY_TOKEN: at least 16 characters'),
  /** This gateway's stable name: the SFU places cameras by it, so keep it across restarts. */
  GATEWAY_ID: GatewayIdSchema.default(hostGatewayId()),
  FFMPEG_PATH: z.string().optional(),
  /** H.264 passthrough: `relay` (RTP packets forwarded in-process as they arrive) or `ffmpeg` (-c:v copy). */
  GATEWAY_PASSTHROUGH: z.enum(['relay', 'ffmpeg']).default('relay'),
  /** Largest RTP packet towards the SFU (and browsers): bigger camera packets are cut (rtpPacketSize.ts). */
  RTP_MAX_PACKET_BYTES: z.coerce.number().int().min(MIN_RTP_MAX_PACKET_BYTES).max(MAX_RTP_MAX_PACKET_BYTES).default(DEFAULT_RTP_MAX_PACKET_BYTES),
});

export type GatewayConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadEnv(EnvSchema, env);
}
