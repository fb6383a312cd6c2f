import crypto from 'node:crypto';
import type { DefaultEventsMap, Namespace, Server, Socket } from 'socket.io';
import {
  AppError,
  GatewayIdSchema,
  INGEST_NAMESPACE,
  IngestHealthReportSchema,
  IngestRefSchema,
  IngestStateReportSchema,
  OpenIngestRequestSchema,
  type GatewayToServerEvents,
  type ServerToGatewayEvents,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import { CameraGateways } from '../cameras/CameraGateways';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { HealthMonitor } from '../cameras/HealthMonitor';
import { onEvent, onRequest } from './handle';

interface GatewayData {
  gatewayId: string;
}
type GatewaySocket = Socket<GatewayToServerEvents, ServerToGatewayEvents, DefaultEventsMap, GatewayData>;
type IngestNamespace = Namespace<GatewayToServerEvents, ServerToGatewayEvents, DefaultEventsMap, GatewayData>;

/** How long a gateway whose link dropped keeps its cameras (a blip or a restart must not move them). */
export const GATEWAY_RECONNECT_GRACE_MS = 15_000;

interface Deps {
  registry: CameraRegistry;
  feeds: CameraFeeds;
  health: HealthMonitor;
  token: string;
  logger: Logger;
  reconnectGraceMs?: number;
}

function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * Camera gateways: authenticated with GATEWAY_TOKEN, known by their stable `gatewayId`, told
 * which cameras to pull, and given an ingest point (where to send RTP) per camera, which
 * takes RTP only from the gateway's own address and ports. The SFU is the authority on state.
 */
export function attachIngestNamespace(io: Server, deps: Deps): IngestNamespace {
  const { registry, feeds, logger } = deps;
  const ns: IngestNamespace = io.of(INGEST_NAMESPACE);
  const gateways = new CameraGateways(deps.reconnectGraceMs ?? GATEWAY_RECONNECT_GRACE_MS);
  /** The live connection of each gateway id (a newer one replaces an older). */
  const sockets = new Map<string, GatewaySocket>();

  ns.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; gatewayId?: unknown } | undefined;
    const id = GatewayIdSchema.safeParse(auth?.gatewayId);
    if (!tokenMatches(auth?.token, deps.token)) {
      logger.warn({ address: socket.handshake.address }, 'camera gateway rejected: bad token');
      next(new Error('unauthorized'));
    } else if (!id.success) {
      logger.warn({ address: socket.handshake.address }, 'camera gateway rejected: missing or malformed gatewayId');
      next(new Error('bad gatewayId: 1-64 of a-z, 0-9, "-" or "_"'));
    } else {
      socket.data.gatewayId = id.data;
      next();
    }
  });


  const rebalance = async () => {
    const all = await registry.assignments();
    // A camera that changed gateway: its old gateway stops pulling it, so its ingest is over.
    for (const cameraId of gateways.place(all.map((c) => c.id))) feeds.close(cameraId);
    for (const [gatewayId, socket] of sockets) {
      const mine = all.filter((c) => gateways.ownerOf(c.id) === gatewayId);
      socket.emit('ingest:assign', mine.map((c) => ({ ...c, generation: feeds.generationOf(c.id) })));
    }
    if (gateways.memberCount === 0) {
      for (const cam of all) {
        feeds.close(cam.id);
        await registry.setStatus(cam.id, 'offline', 'no camera gateway connected');
      }
    }
  };
  // One at a time: two interleaved passes could send a gateway an older placement last.
  let rebalancing = Promise.resolve();
  const rebalanceSoon = () => {
    rebalancing = rebalancing.then(rebalance).catch((err: unknown) => logger.error({ err }, 'rebalance failed'));
  };
  registry.on('assignments', rebalanceSoon);
  gateways.on('change', rebalanceSoon);
  feeds.on('lost', (cameraId, generation, reason) => {
    sockets.get(gateways.ownerOf(cameraId) ?? '')?.emit('ingest:lost', { cameraId, generation });
    registry.setStatus(cameraId, 'connecting', reason).catch((err: unknown) => logger.error({ err, cameraId }, 'status update failed'));
  });

  ns.on('connection', (socket: GatewaySocket) => {
    const { gatewayId } = socket.data;
    const log = logger.child({ gateway: gatewayId, address: socket.handshake.address });
    const previous = sockets.get(gatewayId);
    sockets.set(gatewayId, socket);
    if (previous) {
      // Same id twice: the newer connection is the gateway now (a restarted process whose old
      // link has not timed out yet, or a misconfigured twin, which this stops).
      log.warn('camera gateway connected again under the same id: dropping the older connection');
      previous.disconnect(true);
    } else log.info('camera gateway connected');
    gateways.connected(gatewayId);

    const current = () => sockets.get(gatewayId) === socket;
    const owns = (cameraId: string) => current() && gateways.ownerOf(cameraId) === gatewayId;
    const ownCamera = (cameraId: string) => {
      if (!owns(cameraId)) throw new AppError('forbidden', `camera ${cameraId} is not assigned to this gateway`);
    };

    onRequest(socket, 'ingest:open', OpenIngestRequestSchema, log, async ({ cameraId, video, audio }) => {
      ownCamera(cameraId);
      return feeds.open(cameraId, { peerIp: socket.handshake.address, video, audio });
    });
    onRequest(socket, 'ingest:close', IngestRefSchema, log, async ({ cameraId, generation }) => {
      ownCamera(cameraId);
      feeds.close(cameraId, generation);
      return null;
    });
    onEvent(socket, 'ingest:state', IngestStateReportSchema, log, async ({ cameraId, state, reason, generation }) => {
      if (!owns(cameraId)) return;
      const live = feeds.generationOf(cameraId);
      if (generation !== undefined && live !== undefined && generation !== live) return; // about a replaced ingest
      // Without a generation the gateway has no ingest open: whatever is live is not fed.
      if (state === 'offline') feeds.close(cameraId, generation);
      await registry.setStatus(cameraId, state, reason);
    });
    onEvent(socket, 'ingest:health', IngestHealthReportSchema, log, async (report) => {
      if (owns(report.cameraId)) deps.health.gatewayReport(report);
    });

    socket.on('disconnect', (reason) => {
      if (!current()) return; // replaced by a newer connection of the same gateway
      sockets.delete(gatewayId);
      log.info({ reason }, 'camera gateway disconnected; its cameras wait for it');
      gateways.disconnected(gatewayId);
    });
    rebalanceSoon();
  });
  return ns;
}
