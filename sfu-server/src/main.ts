import { createLogger, superviseProcess } from '@county/shared/node';
import { loadConfig } from './config';
import { SfuServer } from './server';

const logger = createLogger('sfu-server');
const supervisor = superviseProcess(logger);

// A bad configuration ends the start like any other failure (exit 1), not as an uncaught
// exception the supervisor would survive.
Promise.resolve()
  .then(() => SfuServer.create(loadConfig(), logger))
  .then(
    (server) => supervisor.onStop(() => server.close()),
    (err: unknown) => {
      logger.fatal({ err }, 'sfu-server failed to start');
      process.exit(1);
    },
  );
