import { createLogger } from '@county/shared/node';
import { loadConfig } from './config';
import { SfuServer } from './server';

const logger = createLogger('sfu-server');

async function main(): Promise<void> {
  const server = await SfuServer.create(loadConfig(), logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'sfu-server failed to start');
  process.exit(1);
});
