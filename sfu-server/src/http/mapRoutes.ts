import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError, MAP_IMAGE_MAX_BYTES, MAP_IMAGE_TYPES } from '@county/shared';
import { authorize, can } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { MapImage } from '../map/MapImage';
import { audited, principal, route } from './route';

/**
 * The county map image (docs/wall.md "Map"): everyone signed in reads it, admins
 * (`map:manage`) replace or remove it. Site and township positions live with the sites.
 */
export function mapRoutes(deps: { mapImage: MapImage; audit: AuditLog }): express.Router {
  const { mapImage, audit } = deps;
  const router = express.Router();
  // The bytes as they came, only for the accepted image types (anything else: no body, a 400).
  const raw = express.raw({ type: [...MAP_IMAGE_TYPES], limit: MAP_IMAGE_MAX_BYTES });

  /** A refused upload is turned away before its 5 MB are read (and audited, as every refusal). */
  const mayManage = (req: Request, res: Response, next: NextFunction) => {
    if (can(principal(res), 'map:manage')) return next();
    audited(audit, req, res, 'map.image', 'map', async () => authorize(principal(res), 'map:manage')).catch(next);
  };

  router.get(
    '/map/image',
    route(async (_req, res) => {
      authorize(principal(res), 'cameras:view');
      const image = await mapImage.get();
      if (!image) throw new AppError('not_found', 'no map image uploaded: the UI shows its schematic outline');
      res.set({
        'Content-Type': image.type,
        // An uploaded SVG could carry script: opened on its own it runs sandboxed, with nothing to reach.
        'Content-Security-Policy': "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        'Cache-Control': 'no-cache',
        'Last-Modified': new Date(image.updatedAt).toUTCString(),
      });
      res.send(image.data);
    }),
  );

  router.put(
    '/map/image',
    mayManage,
    (req, res, next) =>
      raw(req, res, (err?: unknown) => {
        const e = err as { type?: string } | undefined;
        if (e?.type === 'entity.too.large') {
          res.status(413).json({ code: 'bad_request', message: `map image: larger than ${MAP_IMAGE_MAX_BYTES} bytes` });
          return;
        }
        next(err);
      }),
    route(async (req, res) => {
      const p = principal(res);
      const image = await audited(audit, req, res, 'map.image', 'map', async () => {
        authorize(p, 'map:manage');
        return mapImage.put(req.get('content-type')?.split(';')[0]?.trim().toLowerCase(), req.body, p.username);
      });
      res.json({ type: image.type, bytes: image.data.length, updatedAt: image.updatedAt, updatedBy: image.updatedBy });
    }),
  );

  router.delete(
    '/map/image',
    route(async (req, res) => {
      await audited(audit, req, res, 'map.image', 'map', async () => {
        authorize(principal(res), 'map:manage');
        if (!(await mapImage.remove())) throw new AppError('not_found', 'no map image uploaded');
      });
      res.status(204).end();
    }),
  );
  return router;
}
