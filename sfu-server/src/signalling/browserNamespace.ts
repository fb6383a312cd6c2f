import type { Server } from 'socket.io';
import {
  ConnectTransportRequestSchema,
  ConsumeCameraRequestSchema,
  ConsumerRequestSchema,
  CreateTransportRequestSchema,
  JoinRoomRequestSchema,
  WatchCamerasRequestSchema,
  AppError,
  type ClientToServerEvents,
  type DtlsParameters,
  type RtpCapabilities,
  type ServerToClientEvents,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import { authorize, type Principal, type Role } from '../auth/permissions';
import type { CameraDemand } from '../cameras/CameraDemand';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { HealthMonitor } from '../cameras/HealthMonitor';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { MediaPeer } from '../media/MediaPeer';
import type { Room } from '../rooms/Room';
import type { Rooms } from '../rooms/Rooms';
import { onRequest } from './handle';

/** socket.io room every wall viewer is in, for camera status broadcasts. */
const WALL_VIEWERS = 'wall-viewers';

interface Deps {
  rooms: Rooms;
  registry: CameraRegistry;
  feeds: CameraFeeds;
  demand: CameraDemand;
  health: HealthMonitor;
  defaultRole: Role;
  logger: Logger;
}

/** Browsers: join a room, then create/connect transports and consume cameras in it. */
export function attachBrowserNamespace(io: Server<ClientToServerEvents, ServerToClientEvents>, deps: Deps): void {
  const { rooms, registry, feeds, demand, logger } = deps;

  registry.on('updated', (camera) => io.to(WALL_VIEWERS).emit('camera:updated', camera));
  registry.on('removed', (id) => io.to(WALL_VIEWERS).emit('camera:removed', { id }));
  deps.health.on('health', (batch) => io.to(WALL_VIEWERS).emit('camera:health', batch));
  rooms.onMediaLost = (roomId) => io.to(roomId).emit('room:closed', { roomId });

  io.on('connection', (socket) => {
    const principal: Principal = { id: socket.id, role: deps.defaultRole };
    let joined: { room: Room; peer: MediaPeer } | undefined;
    const log = logger.child({ socketId: socket.id });

    const session = (): { room: Room; peer: MediaPeer } => {
      if (!joined) throw new AppError('conflict', 'join a room first');
      return joined;
    };
    const leave = () => {
      if (!joined) return;
      void socket.leave(joined.room.id);
      rooms.leave(joined.room, socket.id);
      joined = undefined;
    };

    onRequest(socket, 'room:join', JoinRoomRequestSchema, log, async ({ roomId }) => {
      authorize(principal, 'wall:view');
      leave();
      const room = rooms.getOrCreate(roomId);
      const peer = room.addPeer(socket.id, (consumerId) => socket.emit('consumer:closed', { consumerId }));
      joined = { room, peer };
      await socket.join(roomId);
      if (room.kind === 'wall') await socket.join(WALL_VIEWERS);
      return {
        routerRtpCapabilities: room.router.rtpCapabilities as RtpCapabilities,
        cameras: await registry.list(),
      };
    });

    onRequest(socket, 'transport:create', CreateTransportRequestSchema, log, async () =>
      session().peer.createTransport(),
    );

    onRequest(socket, 'transport:connect', ConnectTransportRequestSchema, log, async (req) => {
      await session().peer.connectTransport(req.transportId, req.dtlsParameters as DtlsParameters);
      return null;
    });

    onRequest(socket, 'camera:consume', ConsumeCameraRequestSchema, log, async (req) => {
      authorize(principal, 'cameras:view');
      const { peer } = session();
      const { producer, router } = feeds.producerOf(req.cameraId, req.kind);
      return peer.consume(req.transportId, producer, router, req.rtpCapabilities as RtpCapabilities);
    });

    onRequest(socket, 'camera:watch', WatchCamerasRequestSchema, log, async ({ cameraIds }) => {
      authorize(principal, 'cameras:view');
      await demand.holdOnly(socket.id, cameraIds);
      return null;
    });

    onRequest(socket, 'consumer:resume', ConsumerRequestSchema, log, async ({ consumerId }) => {
      await session().peer.resumeConsumer(consumerId);
      return null;
    });

    onRequest(socket, 'consumer:close', ConsumerRequestSchema, log, async ({ consumerId }) => {
      session().peer.closeConsumer(consumerId);
      return null;
    });

    socket.on('disconnect', () => {
      leave();
      demand.releaseAll(socket.id);
    });
  });
}
