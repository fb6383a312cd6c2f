import express, { type Request } from 'express';
import {
  AppError,
  CameraIdSchema,
  CameraInputSchema,
  CameraStreamSchema,
  feedId,
  PtzGotoSchema,
  PtzSaveSchema,
  RecordingToggleSchema,
  type CameraView,
} from '@county/shared';
import { authorize, can, cameraResource, type Permission, type Principal } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { HlsStreams } from '../cameras/HlsStreams';
import type { PtzControl } from '../cameras/Ptz';
import type { Recordings } from '../cameras/Recordings';
import type { Snapshots } from '../cameras/Snapshots';
import { audited, body, parse, principal, route } from './route';

interface Deps {
  registry: CameraRegistry;
  snapshots: Snapshots;
  hls: HlsStreams;
  recordings: Recordings;
  ptz: PtzControl;
  audit: AuditLog;
}

/** Cameras and what hangs off them: snapshots, HLS, recordings, PTZ. */
export function cameraRoutes(deps: Deps): express.Router {
  const { registry, audit } = deps;
  const router = express.Router();

  /** The camera named in the path, once the principal may do `permission` to it (404 before 403). */
  const camera = async (req: Request, p: Principal, permission: Permission): Promise<CameraView> => {
    const view = await registry.get(parse(CameraIdSchema, req.params.id));
    authorize(p, permission, cameraResource(view));
    return view;
  };
  const cameraId = (req: Request) => parse(CameraIdSchema, req.params.id);

  router.get(
    '/cameras',
    route(async (_req, res) => {
      const p = principal(res);
      authorize(p, 'cameras:view');
      res.json((await registry.list()).filter((c) => can(p, 'cameras:view', cameraResource(c))));
    }),
  );

  router.get(
    '/cameras/:id',
    route(async (req, res) => {
      res.json(await camera(req, principal(res), 'cameras:view'));
    }),
  );

  router.post(
    '/cameras',
    route(async (req, res) => {
      const input = body(CameraInputSchema, req);
      const view = await audited(audit, req, res, 'camera.add', input.id, async () => {
        authorize(principal(res), 'cameras:manage');
        return registry.add(input);
      });
      res.status(201).json(view);
    }),
  );

  router.delete(
    '/cameras/:id',
    route(async (req, res) => {
      const id = cameraId(req);
      await audited(audit, req, res, 'camera.remove', id, async () => {
        await camera(req, principal(res), 'cameras:manage');
        await registry.remove(id);
      });
      res.status(204).end();
    }),
  );

  router.get(
    '/cameras/:id/snapshot.jpg',
    route(async (req, res) => {
      const { id, hasSub } = await camera(req, principal(res), 'cameras:view');
      // The newest cached keyframe at once (X-Still-Age-Ms: how old); `?fresh=1` waits for a live frame.
      const fresh = req.query.fresh === '1' || req.query.fresh === 'true';
      // `?stream=sub`: from the sub stream, so a small tile's still does not start the main stream's pull.
      const stream = parse(CameraStreamSchema.default('main'), req.query.stream);
      if (stream === 'sub' && !hasSub) throw new AppError('bad_request', `camera ${id} has no sub stream`);
      const still = await deps.snapshots.still(feedId(id, stream), { fresh });
      if (still.ageMs !== undefined) res.set('X-Still-Age-Ms', String(still.ageMs));
      res.type('image/jpeg').set('Cache-Control', 'no-store').send(still.jpeg);
    }),
  );

  router.get(
    '/cameras/:id/hls/:file',
    route(async (req, res) => {
      const { id } = await camera(req, principal(res), 'cameras:view');
      const file = await deps.hls.file(id, String(req.params.file));
      res.set('Cache-Control', 'no-cache');
      res.type(file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t');
      res.sendFile(file);
    }),
  );

  router.put(
    '/cameras/:id/recording',
    route(async (req, res) => {
      const id = cameraId(req);
      const { enabled } = body(RecordingToggleSchema, req);
      await audited(audit, req, res, 'recording.toggle', id, async () => {
        await camera(req, principal(res), 'cameras:manage');
        await deps.recordings.setEnabled(id, enabled);
      });
      res.json(await registry.get(id));
    }),
  );

  router.get(
    '/cameras/:id/recordings',
    route(async (req, res) => {
      const { id } = await camera(req, principal(res), 'recordings:view');
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
      const { id } = await camera(req, principal(res), 'recordings:view');
      const file = deps.recordings.file(id, String(req.params.file));
      res.type('video/mp4');
      res.sendFile(file); // honours Range: the browser seeks in it
    }),
  );

  router.get(
    '/cameras/:id/ptz/presets',
    route(async (req, res) => {
      const { id } = await camera(req, principal(res), 'cameras:view');
      res.json(await deps.ptz.presets(id));
    }),
  );

  router.post(
    '/cameras/:id/ptz/presets',
    route(async (req, res) => {
      const id = cameraId(req);
      const { name } = body(PtzSaveSchema, req);
      const preset = await audited(audit, req, res, 'ptz.save', id, async () => {
        await camera(req, principal(res), 'ptz:control');
        return deps.ptz.save(id, name);
      });
      res.status(201).json(preset);
    }),
  );

  router.post(
    '/cameras/:id/ptz/goto',
    route(async (req, res) => {
      const id = cameraId(req);
      const target = body(PtzGotoSchema, req);
      const result = await audited(audit, req, res, 'ptz.goto', id, async () => {
        await camera(req, principal(res), 'ptz:control');
        return deps.ptz.goto(id, target);
      });
      res.json(result);
    }),
  );
  return router;
}
