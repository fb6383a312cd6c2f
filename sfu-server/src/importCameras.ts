/**
 * `npm run import-cameras -- <file.json>`: imports a CAMERAS_FILE into the county's Redis
 * (REDIS_URL) — townships, sites and cameras that do not exist yet; existing ones are kept.
 * Run it while the SFU is stopped: a running SFU learns of cameras through its own API.
 */
import { createLogger, loadEnv } from '@county/shared/node';
import { z } from 'zod';
import { CameraNetworks } from './cameras/CameraNetworks';
import { CameraRegistry } from './cameras/CameraRegistry';
import { CameraStore } from './cameras/CameraStore';
import { importCamerasFile } from './cameras/camerasFile';
import { SiteDirectory } from './cameras/SiteDirectory';
import { connectRedis } from './store/redis';

const logger = createLogger('import-cameras');

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run import-cameras -- <cameras.json>   (REDIS_URL names the Redis)');
  const env = loadEnv(
    z.object({
      REDIS_URL: z.string().min(1, 'REDIS_URL: required (npm start uses unix://<repo>/data/redis/redis.sock)'),
      CAMERA_NETWORKS: z.string().default('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7'),
      MAX_CAMERAS: z.coerce.number().int().min(1).default(1000),
    }),
  );
  const redis = connectRedis(env.REDIS_URL, logger);
  await redis.connect();
  try {
    const sites = new SiteDirectory(redis);
    const registry = new CameraRegistry(new CameraStore(redis), sites, logger, env.MAX_CAMERAS, new CameraNetworks(env.CAMERA_NETWORKS));
    const { added, kept } = await importCamerasFile(file, { sites, registry, logger });
    process.stdout.write(`imported ${file}: ${added} added, ${kept} already there\n`);
  } finally {
    await redis.quit();
  }
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'import failed');
  process.exitCode = 1;
});
