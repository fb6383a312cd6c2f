import { createLogger, resolveFfmpeg, resolveFfprobe, superviseProcess } from '@county/shared/node';
import { CameraGateway } from './CameraGateway';
import { loadConfig } from './config';

const logger = createLogger('camera-gateway');
const supervisor = superviseProcess(logger);

try {
  const config = loadConfig();
  const ffmpegPath = resolveFfmpeg();
  const ffprobePath = resolveFfprobe(ffmpegPath);
  logger.info({ ffmpegPath, ffprobePath, gatewayId: config.GATEWAY_ID, passthrough: config.GATEWAY_PASSTHROUGH, rtpMaxPacketBytes: config.RTP_MAX_PACKET_BYTES }, 'camera-gateway starting');
  const gateway = new CameraGateway({
    sfuUrl: config.SFU_URL,
    token: config.GATEWAY_TOKEN,
    gatewayId: config.GATEWAY_ID,
    tools: { ffmpegPath, ffprobePath, passthrough: config.GATEWAY_PASSTHROUGH, rtpMaxPacketBytes: config.RTP_MAX_PACKET_BYTES },
    logger,
  });
  // Every ffmpeg stops before the process exits: none may outlive the gateway.
  supervisor.onStop(() => gateway.close());
} catch (err) {
  logger.fatal({ err }, 'camera-gateway failed to start');
  process.exit(1);
}
