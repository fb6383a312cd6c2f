import { createLogger, resolveFfmpeg, resolveFfprobe } from '@county/shared/node';
import { CameraGateway } from './CameraGateway';
import { loadConfig } from './config';

const logger = createLogger('camera-gateway');

/** More uncaught exceptions than this within a minute: the process is broken for good. */
const UNCAUGHT_LIMIT_PER_MIN = 10;

let stop: (reason: string, code: number) => void = (_reason, code) => process.exit(code);

// A rejected promise nobody awaited: its own chain has already unwound and nothing else was
// cut short, so log it and carry on.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (survived)'));

// An uncaught exception is survived too: each camera's pull (its ffmpeg, timers and SFU
// messages) stands alone, so one callback that threw must not take every camera of this
// gateway off the wall. A burst of them means the state is broken for good: then stop
// cleanly (every ffmpeg ended, exit 1) and let the supervisor start a fresh process.
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

try {
  const config = loadConfig();
  const ffmpegPath = resolveFfmpeg();
  const ffprobePath = resolveFfprobe(ffmpegPath);
  logger.info({ ffmpegPath, ffprobePath, gatewayId: config.GATEWAY_ID }, 'camera-gateway starting');
  const gateway = new CameraGateway({
    sfuUrl: config.SFU_URL,
    token: config.GATEWAY_TOKEN,
    gatewayId: config.GATEWAY_ID,
    tools: { ffmpegPath, ffprobePath },
    logger,
  });
  let stopping = false;
  stop = (reason, code) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    // Stop every ffmpeg before exiting: none may outlive the gateway.
    gateway.close().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
} catch (err) {
  logger.fatal({ err }, 'camera-gateway failed to start');
  process.exit(1);
}
