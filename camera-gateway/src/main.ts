import { createLogger, resolveFfmpeg, resolveFfprobe } from '@county/shared/node';
import { CameraGateway } from './CameraGateway';
import { loadConfig } from './config';

const logger = createLogger('camera-gateway');

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
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Stop every ffmpeg before exiting: none may outlive the gateway.
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  logger.fatal({ err }, 'camera-gateway failed to start');
  process.exit(1);
}
