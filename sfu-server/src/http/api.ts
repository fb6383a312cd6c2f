import express, { type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  AppError,
  CameraIdSchema,
  CameraInputSchema,
  describeIssues,
  PtzGotoSchema,
  PtzSaveSchema,
  RecordingToggleSchema,
  SiteSchema,
  TownshipSchema,
  type SiteView,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import { authorize, type Principal, type Role } from '../auth/permissions';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import type { HlsStreams } from '../cameras/HlsStreams';
import type { PtzControl } from '../cameras/Ptz';
import type { Recordings } from '../cameras/Recordings';
import type { Snapshots } from '../cameras/Snapshots';
import type { WorkerPool } from '../media/WorkerPool';
import type { Rooms } from '../rooms/Rooms';

interface Deps {
  registry: CameraRegistry;
  sites: SiteDirectory;
  feeds: CameraFeeds;
  snapshots: Snapshots;
  hls: HlsStreams;
  recordings: Recordings;
  ptz: PtzControl;
  pool: WorkerPool;
  rooms: Rooms;
  defaultRole: Role;
  gatewayCount: () => number;
  logger: Logger;
}

type Handler = (req: Request, res: Response) => Promise<void>;
/** express 5 forwards rejected promises to the error handler; this keeps handlers one-liners. */
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

function body<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw new AppError('bad_request', describeIssues(parsed.error.issues));
  return parsed.data;
}

function cameraId(req: Request): string {
  const parsed = CameraIdSchema.safeParse(req.params.id);
  if (!parsed.success) throw new AppError('bad_request', describeIssues(parsed.error.issues));
  return parsed.data;
}

/** The HTTP API (see README "HTTP API"). */
export function apiRouter(deps: Deps): express.Router {
  const { registry, logger } = deps;
  const router = express.Router();
  const principal = (): Principal => ({ id: 'http', role: deps.defaultRole });

  router.use(express.json({ limit: '64kb' }));

  router.get(
    '/health',
    route(async (_req, res) => {
      res.json({
        status: 'ok',
        workers: deps.pool.workerCount,
        cameras: (await registry.list()).length,
        liveCameras: deps.feeds.liveCount,
        rooms: deps.rooms.count,
        gateways: deps.gatewayCount(),
      });
    }),
  );

  router.get(
    '/cameras',
    route(async (_req, res) => {
      authorize(principal(), 'cameras:view');
      res.json(await registry.list());
    }),
  );

  router.get(
    '/cameras/:id',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      res.json(await registry.get(cameraId(req)));
    }),
  );

  router.post(
    '/cameras',
    route(async (req, res) => {
      authorize(principal(), 'cameras:manage');
      res.status(201).json(await registry.add(body(CameraInputSchema, req)));
    }),
  );

  router.get(
    '/cameras/:id/snapshot.jpg',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      const id = cameraId(req);
      await registry.get(id); // 404 for an unknown camera
      const jpeg = await deps.snapshots.get(id);
      res.type('image/jpeg').set('Cache-Control', 'no-store').send(jpeg);
    }),
  );

  router.get(
    '/cameras/:id/hls/:file',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      const id = cameraId(req);
      await registry.get(id);
      const file = await deps.hls.file(id, String(req.params.file));
      res.set('Cache-Control', 'no-cache');
      res.type(file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t');
      res.sendFile(file);
    }),
  );

  router.put(
    '/cameras/:id/recording',
    route(async (req, res) => {
      authorize(principal(), 'cameras:manage');
      const id = cameraId(req);
      const { enabled } = body(RecordingToggleSchema, req);
      await deps.recordings.setEnabled(id, enabled);
      res.json(await registry.get(id));
    }),
  );

  router.get(
    '/cameras/:id/recordings',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      const id = cameraId(req);
      await registry.get(id);
      const time = (v: unknown, name: string) => {
        if (v === undefined) return undefined;
        const d = new Date(String(v));
        if (Number.isNaN(d.getTime())) throw new AppError('bad_request', `${name}: not a time (use ISO 8601)`);
        return d;
      };
      res.json(await deps.recordings.list(id, time(req.query.from, 'from'), time(req.query.to, 'to')));
    }),
  );

  router.get(
    '/cameras/:id/recordings/:file',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      const file = deps.recordings.file(cameraId(req), String(req.params.file));
      res.type('video/mp4');
      res.sendFile(file); // honours Range: the browser seeks in it
    }),
  );

  router.get(
    '/cameras/:id/ptz/presets',
    route(async (req, res) => {
      authorize(principal(), 'cameras:view');
      res.json(await deps.ptz.presets(cameraId(req)));
    }),
  );

  router.post(
    '/cameras/:id/ptz/presets',
    route(async (req, res) => {
      authorize(principal(), 'ptz:control');
      const { name } = body(PtzSaveSchema, req);
      res.status(201).json(await deps.ptz.save(cameraId(req), name));
    }),
  );

  router.post(
    '/cameras/:id/ptz/goto',
    route(async (req, res) => {
      authorize(principal(), 'ptz:control');
      res.json(await deps.ptz.goto(cameraId(req), body(PtzGotoSchema, req)));
    }),
  );

  router.delete(
    '/cameras/:id',
    route(async (req, res) => {
      authorize(principal(), 'cameras:manage');
      await registry.remove(cameraId(req));
      res.status(204).end();
    }),
  );

  router.get(
    '/townships',
    route(async (_req, res) => {
      authorize(principal(), 'cameras:view');
      res.json(await deps.sites.townships());
    }),
  );

  router.post(
    '/townships',
    route(async (req, res) => {
      authorize(principal(), 'cameras:manage');
      res.status(201).json(await deps.sites.addTownship(body(TownshipSchema, req)));
    }),
  );

  router.get(
    '/sites',
    route(async (_req, res) => {
      authorize(principal(), 'cameras:view');
      const cameras = await registry.list();
      const sites: SiteView[] = (await deps.sites.sites()).map((s) => ({
        ...s,
        streams: cameras.filter((c) => c.siteId === s.id).map((c) => ({ cameraId: c.id, kind: c.kind, status: c.status })),
      }));
      res.json(sites);
    }),
  );

  router.post(
    '/sites',
    route(async (req, res) => {
      authorize(principal(), 'cameras:manage');
      res.status(201).json(await deps.sites.addSite(body(SiteSchema, req)));
    }),
  );

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
