import express from 'express';
import { TourIdSchema, TourInputSchema } from '@county/shared';
import { authorize } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { Tours } from '../wall/Tours';
import { audited, body, parse, principal, route } from './route';

/** Tours of the wall (docs/wall.md): wall:view reads, wall:control saves, deletes, starts and stops. */
export function tourRoutes(deps: { tours: Tours; audit: AuditLog }): express.Router {
  const { tours, audit } = deps;
  const router = express.Router();
  const tourId = (v: unknown) => parse(TourIdSchema, v);
  const target = (id: string) => `tour:${id}`;

  router.get(
    '/tours',
    route(async (_req, res) => {
      authorize(principal(res), 'wall:view');
      res.json(await tours.list());
    }),
  );

  router.post(
    '/tours',
    route(async (req, res) => {
      const input = body(TourInputSchema, req);
      const { tour, created } = await audited(audit, req, res, 'tour.save', target(input.id), async () => {
        const p = principal(res);
        authorize(p, 'wall:control');
        return tours.save(input, p.username);
      });
      res.status(created ? 201 : 200).json(tour);
    }),
  );

  router.delete(
    '/tours/:id',
    route(async (req, res) => {
      const id = tourId(req.params.id);
      await audited(audit, req, res, 'tour.delete', target(id), async () => {
        authorize(principal(res), 'wall:control');
        await tours.delete(id);
      });
      res.status(204).end();
    }),
  );

  for (const action of ['start', 'stop'] as const) {
    router.post(
      `/tours/:id/${action}`,
      route(async (req, res) => {
        const id = tourId(req.params.id);
        const tour = await audited(audit, req, res, `tour.${action}`, target(id), async () => {
          const p = principal(res);
          authorize(p, 'wall:control');
          return action === 'start' ? tours.start(id, p.username) : tours.stop(id, p.username);
        });
        res.json(tour);
      }),
    );
  }
  return router;
}
