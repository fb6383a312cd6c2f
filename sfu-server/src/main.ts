import { createLogger } from '@county/shared/node';
import { loadConfig } from './config';
import { SfuServer } from './server';

const logger = createLogger('sfu-server');

/** More uncaught exceptions than this within a minute: the process is broken for good. */
const UNCAUGHT_LIMIT_PER_MIN = 10;

let stop: (reason: string, code: number) => void = (_reason, code) => process.exit(code);

// A rejected promise nobody awaited: its own chain has already unwound and nothing else was
// cut short, so log it and carry on.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (survived)'));

// An uncaught exception is survived too: the media lives in the mediasoup worker processes
// and each socket, timer and child-process callback stands alone, so one callback that threw
// must not blank every screen in the county. A burst of them means the state is broken for
// good: then stop cleanly (exit 1) and let the supervisor start a fresh process.
const uncaught: number[] = [];
process.on('uncaughtException', (err) => {
  const now = Date.now();
  uncaught.push(now);
  while (uncaught.length && uncaught[0]! < now - 60_000) uncaught.shift();
  if (uncaught.length > UNCAUGHT_LIMIT_PER_MIN) {
    logger.fatal({ err }, 'uncaught exception, too many in a minute: stopping');
    stop('uncaught exceptions', 1);
  } else logger.error({ err }, 'uncaught exception (survived)');
});

async function main(): Promise<void> {
  const server = await SfuServer.create(loadConfig(), logger);
  let stopping = false;
  stop = (reason, code) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    server.close().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'sfu-server failed to start');
  process.exit(1);
});
