import crypto from 'node:crypto';
import type { Namespace, Server, Socket } from 'socket.io';
import {
  AppError,
  CameraRefSchema,
  INGEST_NAMESPACE,
  IngestHealthReportSchema,
  IngestStateReportSchema,
  OpenIngestRequestSchema,
  type CameraAssignment,
  type GatewayToServerEvents,
  type ServerToGatewayEvents,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { HealthMonitor } from '../cameras/HealthMonitor';
import { onEvent, onRequest } from './handle';

type GatewaySocket = Socket<GatewayToServerEvents, ServerToGatewayEvents>;

interface Deps {
  registry: CameraRegistry;
  feeds: CameraFeeds;
  health: HealthMonitor;
  token: string;
  logger: Logger;
}

function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Rendezvous hashing: each camera goes to one gateway, and few move when gateways come and go. */
function pickGateway(cameraId: string, gatewayIds: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const g of gatewayIds) {
    const score = crypto.createHash('sha1').update(`${g}/${cameraId}`).digest().readBigUInt64BE();
    if (score > bestScore) [best, bestScore] = [g, score];
  }
  return best;
}

/**
 * Camera gateways: authenticated with GATEWAY_TOKEN, told which cameras to pull, and given
 * an ingest point (where to send RTP) per camera. The SFU is the authority on state.
 */
export function attachIngestNamespace(io: Server, deps: Deps): Namespace<GatewayToServerEvents, ServerToGatewayEvents> {
  const { registry, feeds, logger } = deps;
  const ns: Namespace<GatewayToServerEvents, ServerToGatewayEvents> = io.of(INGEST_NAMESPACE);
  const owner = new Map<string, string>(); // cameraId -> gateway socket id

  ns.use((socket, next) => {
    if (tokenMatches(socket.handshake.auth?.token, deps.token)) next();
    else {
      logger.warn({ address: socket.handshake.address }, 'camera gateway rejected: bad token');
      next(new Error('unauthorized'));
    }
  });

  const rebalance = async () => {
    const gateways = [...ns.sockets.values()];
    const all = await registry.assignments();
    const perGateway = new Map<string, CameraAssignment[]>(gateways.map((g) => [g.id, []]));
    owner.clear();
    for (const cam of all) {
      const g = pickGateway(cam.id, [...perGateway.keys()]);
      if (g === undefined) continue;
      owner.set(cam.id, g);
      perGateway.get(g)?.push(cam);
    }
    for (const g of gateways) g.emit('ingest:assign', perGateway.get(g.id) ?? []);
    if (gateways.length === 0) {
      for (const cam of all) {
        feeds.close(cam.id);
        await registry.setStatus(cam.id, 'offline', 'no camera gateway connected');
      }
    }
  };
  const rebalanceSoon = () => void rebalance().catch((err: unknown) => logger.error({ err }, 'rebalance failed'));
  registry.on('assignments', rebalanceSoon);
  feeds.on('lost', (cameraId, reason) => {
    const gateway = ns.sockets.get(owner.get(cameraId) ?? '');
    gateway?.emit('ingest:lost', { cameraId });
    void registry.setStatus(cameraId, 'connecting', reason);
  });

  ns.on('connection', (socket: GatewaySocket) => {
    const log = logger.child({ gateway: socket.id });
    log.info('camera gateway connected');
    const ownCamera = async (cameraId: string) => {
      if (owner.get(cameraId) !== socket.id) throw new AppError('forbidden', `camera ${cameraId} is not assigned to this gateway`);
    };

    onRequest(socket, 'ingest:open', OpenIngestRequestSchema, log, async ({ cameraId, audio }) => {
      await ownCamera(cameraId);
      return feeds.open(cameraId, audio);
    });
    onRequest(socket, 'ingest:close', CameraRefSchema, log, async ({ cameraId }) => {
      await ownCamera(cameraId);
      feeds.close(cameraId);
      return null;
    });
    onEvent(socket, 'ingest:state', IngestStateReportSchema, log, async ({ cameraId, state, reason }) => {
      if (owner.get(cameraId) !== socket.id) return;
      if (state === 'offline') feeds.close(cameraId);
      await registry.setStatus(cameraId, state, reason);
    });
    onEvent(socket, 'ingest:health', IngestHealthReportSchema, log, async (report) => {
      if (owner.get(report.cameraId) === socket.id) deps.health.gatewayReport(report);
    });

    socket.on('disconnect', () => {
      log.info('camera gateway disconnected');
      for (const [cameraId, g] of owner) if (g === socket.id) feeds.close(cameraId);
      rebalanceSoon();
    });
    rebalanceSoon();
  });
  return ns;
}
