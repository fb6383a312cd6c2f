import type { types } from 'mediasoup';
import type { Server } from 'socket.io';
import {
  ConnectTransportRequestSchema,
  ConsumeCameraRequestSchema,
  ConsumerRequestSchema,
  CreateTransportRequestSchema,
  JoinRoomRequestSchema,
  WatchCamerasRequestSchema,
  ConsumerPreferenceSchema,
  HostActionSchema,
  CallAnswerSchema,
  MeetingEnterRequestSchema,
  MeetingProduceRequestSchema,
  MeetingSourceRequestSchema,
  MeetingStopSourceRequestSchema,
  TransportRequestSchema,
  AppError,
  feedId,
  parseFeedId,
  roomKind,
  type CameraView,
  type ClientToServerEvents,
  type DtlsParameters,
  type RtpCapabilities,
  type ServerToClientEvents,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { Accounts } from '../auth/Accounts';
import { audienceOf, authorize, cameraResource, can, scopeRooms, type Principal } from '../auth/permissions';
import type { Meetings } from '../meetings/Meetings';
import type { CameraDemand } from '../cameras/CameraDemand';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { HealthMonitor } from '../cameras/HealthMonitor';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { MediaPeer } from '../media/MediaPeer';
import type { Room } from '../rooms/Room';
import type { Rooms } from '../rooms/Rooms';
import type { Screens } from '../wall/Screens';
import { onRequest, refuseUnknownRequests, type RequestEvent } from './handle';

/** Every browser request, once: a request added to the contract and not here fails to compile. */
const BROWSER_REQUESTS: Record<RequestEvent<ClientToServerEvents>, true> = {
  'room:join': true,
  'transport:create': true,
  'transport:connect': true,
  'camera:consume': true,
  'camera:watch': true,
  'consumer:resume': true,
  'consumer:close': true,
  'consumer:preference': true,
  'transport:restart-ice': true,
  'meeting:enter': true,
  'meeting:produce': true,
  'meeting:source': true,
  'meeting:stop-source': true,
  'meeting:host': true,
  'call:answer': true,
};
const KNOWN_REQUESTS: ReadonlySet<string> = new Set(Object.keys(BROWSER_REQUESTS));

interface Deps {
  rooms: Rooms;
  registry: CameraRegistry;
  feeds: CameraFeeds;
  demand: CameraDemand;
  health: HealthMonitor;
  accounts: Accounts;
  meetings: Meetings;
  screens: Screens;
  logger: Logger;
}

/**
 * Browsers: sign in with `auth: {token}` at the handshake, join a room, then create/connect
 * transports and consume cameras in it. Camera news reaches only sockets whose principal may
 * see the camera (socket.io rooms per scope, see permissions.scopeRooms).
 */
export function attachBrowserNamespace(io: Server<ClientToServerEvents, ServerToClientEvents>, deps: Deps): void {
  const { rooms, registry, feeds, demand, logger } = deps;

  // Where each camera belongs, for routing its news; kept from the registry's own events.
  const placeOf = new Map<string, { townshipId?: string; siteId?: string }>();
  const remember = (c: CameraView) => placeOf.set(c.id, { townshipId: c.townshipId, siteId: c.siteId });
  registry.list().then((all) => all.forEach(remember), (err: unknown) => logger.error({ err }, 'camera list failed'));
  registry.on('updated', (camera) => {
    remember(camera);
    io.to(audienceOf(camera)).emit('camera:updated', camera);
  });
  registry.on('removed', (id) => {
    io.to(audienceOf(placeOf.get(id) ?? {})).emit('camera:removed', { id });
    placeOf.delete(id);
  });
  deps.health.on('health', (batch) => {
    const byRoom = new Map<string, { id: string; stream?: 'sub'; health: (typeof batch)[number]['health'] }[]>();
    for (const { id, health } of batch) {
      // Health comes per feed; browsers get it per camera, a sub stream's marked as such.
      const { cameraId, stream } = parseFeedId(id);
      const entry = stream === 'sub' ? { id: cameraId, stream, health } : { id: cameraId, health };
      for (const room of audienceOf(placeOf.get(cameraId) ?? {})) {
        let list = byRoom.get(room);
        if (!list) byRoom.set(room, (list = []));
        list.push(entry);
      }
    }
    for (const [room, list] of byRoom) io.to(room).emit('camera:health', list);
  });
  // A screen's own page (room wall:<id>) and every county-wide console hear what it now shows.
  deps.screens.on('updated', (screen) => io.to([`wall:${screen.id}`, 'scope:all']).emit('screen:updated', screen));
  // Logout, revocation or a changed user: their open sockets close at once.
  deps.accounts.on('sessionsEnded', (ids) => io.in(ids.map((id) => `session:${id}`)).disconnectSockets(true));

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    deps.accounts.authenticate(typeof token === 'string' ? token : undefined).then(
      (principal) => {
        socket.data.principal = principal;
        next();
      },
      (err: unknown) => next(new Error(err instanceof AppError ? err.code : 'unauthorized')),
    );
  });

  io.on('connection', (socket) => {
    const principal = socket.data.principal as Principal;
    // The in-memory adapter joins synchronously; a shared (Redis) adapter may reject: log it.
    Promise.resolve(socket.join([`session:${principal.sessionId}`, `user:${principal.username}`, ...scopeRooms(principal)])).catch((err: unknown) =>
      logger.error({ err }, 'socket could not join its scope rooms'),
    );
    // A call that rings now rings on this page too.
    deps.meetings.ringing(principal.username).then(
      (calls) => calls.forEach((call) => socket.emit('call:ringing', call)),
      (err: unknown) => logger.warn({ err }, 'ringing calls not read'),
    );
    let joined: { room: Room; peer: MediaPeer } | undefined;
    let watching: Promise<unknown> = Promise.resolve();
    const log = logger.child({ socketId: socket.id, user: principal.username });
    refuseUnknownRequests(socket, KNOWN_REQUESTS);

    const session = (): { room: Room; peer: MediaPeer } => {
      if (!joined) throw new AppError('conflict', 'join a room first');
      return joined;
    };
    /** The meeting this socket's room is, or a clear error. */
    const meetingId = (): string => {
      const { room } = session();
      if (room.kind !== 'meeting') throw new AppError('conflict', 'join a meeting first');
      return room.id.slice('meeting:'.length);
    };
    const leave = () => {
      if (!joined) return;
      if (joined.room.kind === 'meeting') deps.meetings.disconnected(joined.room.id.slice('meeting:'.length), socket.id);
      Promise.resolve(socket.leave(joined.room.id)).catch((err: unknown) => logger.error({ err }, 'socket could not leave its room'));
      rooms.leave(joined.room, socket.id);
      joined = undefined;
    };

    onRequest(socket, 'room:join', JoinRoomRequestSchema, log, async ({ roomId }) => {
      if (roomKind(roomId) === 'wall') authorize(principal, 'wall:view');
      else await deps.meetings.joinable(principal, roomId.slice('meeting:'.length));
      const cameras = (await registry.list()).filter((c) => can(principal, 'cameras:view', cameraResource(c)));
      leave();
      const room = rooms.getOrCreate(roomId);
      const peer = room.addPeer(
        socket.id,
        (consumerId) => socket.emit('consumer:closed', { consumerId }),
        // This member's media died with its worker: its page joins again.
        () => socket.emit('room:closed', { roomId }),
      );
      peer.onTransportClosed((transportId) => socket.emit('transport:closed', { transportId }));
      joined = { room, peer };
      await socket.join(roomId);
      return { routerRtpCapabilities: peer.router.rtpCapabilities as RtpCapabilities, cameras };
    });

    onRequest(socket, 'transport:create', CreateTransportRequestSchema, log, async () =>
      session().peer.createTransport(),
    );

    onRequest(socket, 'transport:connect', ConnectTransportRequestSchema, log, async (req) => {
      await session().peer.connectTransport(req.transportId, req.dtlsParameters as DtlsParameters);
      return null;
    });

    onRequest(socket, 'camera:consume', ConsumeCameraRequestSchema, log, async (req) => {
      const camera = await registry.get(req.cameraId);
      authorize(principal, 'cameras:view', cameraResource(camera));
      if (req.stream === 'sub' && !camera.hasSub) throw new AppError('bad_request', `camera ${req.cameraId} has no sub stream`);
      const { peer } = session();
      const { producer, router } = feeds.producerOf(feedId(req.cameraId, req.stream), req.kind);
      return peer.consume(req.transportId, producer, router, req.rtpCapabilities as RtpCapabilities);
    });

    onRequest(socket, 'camera:watch', WatchCamerasRequestSchema, log, async ({ cameraIds, subCameraIds = [] }) => {
      authorize(principal, 'cameras:view');
      // A camera removed meanwhile is skipped (a wall's list can be a moment old); one out of scope refuses the lot.
      for (const id of new Set([...cameraIds, ...subCameraIds])) {
        const camera = await registry.get(id).catch(() => undefined);
        if (camera) authorize(principal, 'cameras:view', cameraResource(camera));
      }
      // One socket's watch sets apply in the order they were sent (holdOnly awaits): the last one wins.
      // Feeds: a sub stream of a camera without one is skipped like a removed camera.
      const feedIds = [...cameraIds, ...subCameraIds.map((id) => feedId(id, 'sub'))];
      const applied = watching.then(() => (socket.connected ? demand.holdOnly(socket.id, feedIds) : undefined));
      watching = applied.catch(() => undefined);
      await applied;
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

    onRequest(socket, 'consumer:preference', ConsumerPreferenceSchema, log, async (req) => {
      await session().peer.setConsumerPreference(req.consumerId, req.visible, req.spatialLayer);
      return null;
    });

    onRequest(socket, 'transport:restart-ice', TransportRequestSchema, log, async ({ transportId }) => ({
      iceParameters: await session().peer.restartIce(transportId),
    }));

    onRequest(socket, 'meeting:enter', MeetingEnterRequestSchema, log, async (req) =>
      deps.meetings.enter(principal, socket.id, session().peer, meetingId(), { ...req, rtpCapabilities: req.rtpCapabilities as RtpCapabilities }),
    );

    onRequest(socket, 'meeting:produce', MeetingProduceRequestSchema, log, async (req) => ({
      producerId: await deps.meetings
        .roomOf(meetingId())
        .produce(socket.id, req.source, req.transportId, req.kind, req.rtpParameters as unknown as types.RtpParameters, req.paused),
    }));

    onRequest(socket, 'meeting:source', MeetingSourceRequestSchema, log, async ({ source, muted }) => {
      await deps.meetings.roomOf(meetingId()).setMuted(socket.id, source, muted);
      return null;
    });

    onRequest(socket, 'meeting:stop-source', MeetingStopSourceRequestSchema, log, async ({ source }) => {
      deps.meetings.roomOf(meetingId()).stopSource(socket.id, source);
      return null;
    });

    onRequest(socket, 'meeting:host', HostActionSchema, log, async (action) => {
      await deps.meetings.control(principal, socket.handshake.address, meetingId(), socket.id, action);
      return null;
    });

    onRequest(socket, 'call:answer', CallAnswerSchema, log, async ({ meetingId, accept }) => {
      await deps.meetings.answer(principal, meetingId, accept);
      return null;
    });

    socket.on('disconnect', () => {
      leave();
      demand.releaseAll(socket.id);
      // A watch still being applied must not leave this socket's holds behind.
      watching.then(() => demand.releaseAll(socket.id)).catch((err: unknown) => log.error({ err }, 'watch release failed'));
    });
  });
}
