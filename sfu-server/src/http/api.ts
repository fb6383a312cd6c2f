import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { Accounts } from '../auth/Accounts';
import type { AuditLog } from '../audit/AuditLog';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { HlsStreams } from '../cameras/HlsStreams';
import type { PtzControl } from '../cameras/Ptz';
import type { Recordings } from '../cameras/Recordings';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import type { Snapshots } from '../cameras/Snapshots';
import type { WorkerPool } from '../media/WorkerPool';
import type { MeetingStore } from '../meetings/MeetingStore';
import type { Meetings } from '../meetings/Meetings';
import type { MapImage } from '../map/MapImage';
import type { Rooms } from '../rooms/Rooms';
import type { Screens } from '../wall/Screens';
import type { Tours } from '../wall/Tours';
import type { Incidents } from '../incidents/Incidents';
import type { Plans } from '../incidents/Plans';
import { ACCESS_COOKIE, authRoutes } from './authRoutes';
import { cameraRoutes } from './cameraRoutes';
import { mapRoutes } from './mapRoutes';
import { meetingRoutes } from './meetingRoutes';
import { cookie, route } from './route';
import { incidentRoutes } from './incidentRoutes';
import { tourRoutes } from './tourRoutes';
import { siteRoutes } from './siteRoutes';
import { userRoutes } from './userRoutes';
import { wallRoutes } from './wallRoutes';

interface Deps {
  accounts: Accounts;
  audit: AuditLog;
  registry: CameraRegistry;
  sites: SiteDirectory;
  meetings: Meetings;
  meetingStore: MeetingStore;
  feeds: CameraFeeds;
  snapshots: Snapshots;
  hls: HlsStreams;
  recordings: Recordings;
  ptz: PtzControl;
  pool: WorkerPool;
  rooms: Rooms;
  screens: Screens;
  tours: Tours;
  incidents: Incidents;
  plans: Plans;
  mapImage: MapImage;
  gatewayCount: () => number;
  logger: Logger;
}

/** The HTTP API (see README "HTTP API"): one router per area, all behind sign-in but login. */
export function apiRouter(deps: Deps): express.Router {
  const { accounts, logger } = deps;
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  router.get(
    '/health',
    route(async (_req, res) => {
      res.json({
        status: 'ok',
        workers: deps.pool.workerCount,
        liveCameras: deps.feeds.liveCount,
        rooms: deps.rooms.count,
        gateways: deps.gatewayCount(),
      });
    }),
  );

  const auth = authRoutes(deps);
  router.use(auth.open);

  // Everything below needs a signed-in principal: a Bearer token (scripts, the UI's fetches)
  // or the HttpOnly cookie (<img>, <video>, hls.js).
  router.use((req, res, next) => {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    accounts.authenticate(bearer ?? cookie(req, ACCESS_COOKIE)).then((p) => {
      res.locals.principal = p;
      next();
    }, next);
  });
  router.use(auth.signedIn);
  router.use(cameraRoutes(deps));
  router.use(siteRoutes(deps));
  router.use(meetingRoutes(deps));
  router.use(userRoutes(deps));
  router.use(wallRoutes(deps));
  router.use(tourRoutes(deps));
  router.use(incidentRoutes(deps));
  router.use(mapRoutes(deps));

  router.use((_req, _res, next) => next(new AppError('not_found', 'no such API route')));

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // express.json() raises SyntaxError / PayloadTooLarge with a status of their own.
    const status = (err as { status?: unknown }).status;
    if (!(err instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ code: 'bad_request', message: 'request body must be JSON of at most 64 kB' });
      return;
    }
    if (!(err instanceof AppError)) logger.error({ err }, 'API request failed');
    res.status(AppError.status(err)).json(AppError.toBody(err));
  });
  return router;
}
