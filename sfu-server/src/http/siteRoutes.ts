import express from 'express';
import { AppError, MapPlacementSchema, SiteSchema, TownshipSchema, slugSchema, type SiteView } from '@county/shared';
import { authorize, can } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import { audited, body, parse, principal, route } from './route';

/** Townships and sites, each list cut to what the principal may see. */
export function siteRoutes(deps: { sites: SiteDirectory; registry: CameraRegistry; audit: AuditLog }): express.Router {
  const { sites, audit } = deps;
  const router = express.Router();

  router.get(
    '/townships',
    route(async (_req, res) => {
      const p = principal(res);
      authorize(p, 'cameras:view');
      const visibleSites = (await sites.sites()).filter((s) => can(p, 'cameras:view', { kind: 'site', townshipId: s.townshipId, siteId: s.id }));
      const townshipIds = new Set(visibleSites.map((s) => s.townshipId));
      res.json(
        (await sites.townships()).filter((t) => can(p, 'cameras:view', { kind: 'township', townshipId: t.id }) || townshipIds.has(t.id)),
      );
    }),
  );

  router.post(
    '/townships',
    route(async (req, res) => {
      const input = body(TownshipSchema, req);
      const t = await audited(audit, req, res, 'township.add', input.id, async () => {
        authorize(principal(res), 'cameras:manage');
        return sites.addTownship(input);
      });
      res.status(201).json(t);
    }),
  );

  router.patch(
    '/townships/:id',
    route(async (req, res) => {
      const id = parse(slugSchema('township id'), req.params.id);
      const { position } = body(MapPlacementSchema, req);
      const t = await audited(audit, req, res, 'township.move', id, async () => {
        authorize(principal(res), 'cameras:manage', { kind: 'township', townshipId: id });
        return sites.moveTownship(id, position);
      });
      res.json(t);
    }),
  );

  router.get(
    '/sites',
    route(async (_req, res) => {
      const p = principal(res);
      authorize(p, 'cameras:view');
      const cameras = await deps.registry.list();
      const views: SiteView[] = (await sites.sites())
        .filter((s) => can(p, 'cameras:view', { kind: 'site', townshipId: s.townshipId, siteId: s.id }))
        .map((s) => ({
          ...s,
          streams: cameras.filter((c) => c.siteId === s.id).map((c) => ({ cameraId: c.id, kind: c.kind, status: c.status })),
        }));
      res.json(views);
    }),
  );

  router.post(
    '/sites',
    route(async (req, res) => {
      const input = body(SiteSchema, req);
      const s = await audited(audit, req, res, 'site.add', input.id, async () => {
        authorize(principal(res), 'cameras:manage');
        return sites.addSite(input);
      });
      res.status(201).json(s);
    }),
  );

  router.patch(
    '/sites/:id',
    route(async (req, res) => {
      const id = parse(slugSchema('site id'), req.params.id);
      const { position } = body(MapPlacementSchema, req);
      const s = await audited(audit, req, res, 'site.move', id, async () => {
        const p = principal(res);
        authorize(p, 'cameras:manage');
        const site = await sites.site(id).catch((err: unknown) => {
          throw err instanceof AppError && err.code === 'bad_request' ? new AppError('not_found', `unknown site ${id}`) : err;
        });
        authorize(p, 'cameras:manage', { kind: 'site', townshipId: site.townshipId, siteId: id });
        return sites.moveSite(id, position);
      });
      res.json(s);
    }),
  );

  return router;
}
