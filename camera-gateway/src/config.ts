import os from 'node:os';
import { z } from 'zod';
import { loadEnv } from '@county/shared/node';

const EnvSchema = z.object({
  /** The SFU whose /ingest namespace assigns cameras to this gateway. */
  SFU_URL: z.url().default('http://127.0.0.1:8080'),
  GATEWAY_TOKEN: z.string().min(16, 'GATEWAY_TOKEN: at least 16 characters'),
  GATEWAY_ID: z.string().min(1).max(64).default(os.hostname()),
  FFMPEG_PATH: z.string().optional(),
});

export type GatewayConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadEnv(EnvSchema, env);
}
