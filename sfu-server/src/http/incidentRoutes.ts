import express from 'express';
import {
  IncidentIdSchema,
  IncidentInputSchema,
  IncidentQuerySchema,
  PlanIdSchema,
  PlanInputSchema,
  RunPlanSchema,
  incidentTarget,
} from '@county/shared';
import { authorize, can } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import { Incidents, incidentResource } from '../incidents/Incidents';
import type { Plans } from '../incidents/Plans';
import type { Meetings } from '../meetings/Meetings';
import { audited, body, parse, principal, route } from './route';

/**
 * Incidents and emergency plans (docs/wall.md): incidents:view reads (scoped to the caller's
 * township or sites), incidents:manage opens, closes and runs plans. Every incident action
 * is audited with target `incident:<id>`: the incident's timeline.
 */
export function incidentRoutes(deps: { incidents: Incidents; plans: Plans; meetings: Meetings; audit: AuditLog }): express.Router {
  const { incidents, plans, audit } = deps;
  const router = express.Router();

  router.get(
    '/incidents',
    route(async (req, res) => {
      const { status } = parse(IncidentQuerySchema, req.query);
      const p = principal(res);
      authorize(p, 'incidents:view');
      res.json((await incidents.list(status)).filter((i) => can(p, 'incidents:view', incidentResource(i))));
    }),
  );

  router.get(
    '/incidents/:id',
    route(async (req, res) => {
      const id = parse(IncidentIdSchema, req.params.id);
      const p = principal(res);
      authorize(p, 'incidents:view');
      const incident = await incidents.get(id);
      authorize(p, 'incidents:view', incidentResource(incident));
      res.json(incident);
    }),
  );

  router.post(
    '/incidents',
    route(async (req, res) => {
      const input = body(IncidentInputSchema, req);
      const id = Incidents.newId();
      const incident = await audited(audit, req, res, 'incident.open', incidentTarget(id), async () => {
        const p = principal(res);
        authorize(p, 'incidents:manage', incidentResource(input));
        return incidents.open(input, p.username, { id });
      });
      res.status(201).json(incident);
    }),
  );

  router.post(
    '/incidents/:id/close',
    route(async (req, res) => {
      const id = parse(IncidentIdSchema, req.params.id);
      const incident = await audited(audit, req, res, 'incident.close', incidentTarget(id), async () => {
        const p = principal(res);
        authorize(p, 'incidents:manage');
        authorize(p, 'incidents:manage', incidentResource(await incidents.get(id)));
        return incidents.close(id, p.username);
      });
      res.json(incident);
    }),
  );

  router.get(
    '/plans',
    route(async (_req, res) => {
      const p = principal(res);
      authorize(p, 'incidents:view');
      // A township user (or inspector) sees the plans whose cameras are all theirs to see.
      const visible = [];
      for (const plan of await plans.list()) {
        if ((await plans.placesOf(plan)).every((place) => can(p, 'incidents:view', { kind: 'site', ...place }))) visible.push(plan);
      }
      res.json(visible);
    }),
  );

  router.post(
    '/plans',
    route(async (req, res) => {
      const input = body(PlanInputSchema, req);
      const { plan, created } = await audited(audit, req, res, 'plan.save', `plan:${input.id}`, async () => {
        authorize(principal(res), 'incidents:manage');
        return plans.save(input);
      });
      res.status(created ? 201 : 200).json(plan);
    }),
  );

  router.delete(
    '/plans/:id',
    route(async (req, res) => {
      const id = parse(PlanIdSchema, req.params.id);
      await audited(audit, req, res, 'plan.delete', `plan:${id}`, async () => {
        authorize(principal(res), 'incidents:manage');
        await plans.delete(id);
      });
      res.status(204).end();
    }),
  );

  // One click: the plan's cameras on its screen, an open incident (the plan id is kept on the
  // incident) and, for a plan on a site, a call to the site with its township center.
  router.post(
    '/plans/:id/run',
    route(async (req, res) => {
      const planId = parse(PlanIdSchema, req.params.id);
      const run = parse(RunPlanSchema, req.body ?? {});
      const id = Incidents.newId();
      const incident = await audited(audit, req, res, 'plan.run', incidentTarget(id), async () => {
        const p = principal(res);
        authorize(p, 'incidents:manage');
        const input = await plans.incidentFor(planId, run);
        authorize(p, 'incidents:manage', incidentResource(input));
        const opened = await incidents.open(input, p.username, { id, planId });
        if (!opened.siteId || !can(p, 'meetings:manage')) return opened;
        const meeting = await deps.meetings.callSite(p, opened.siteId, { title: opened.title, withTownship: true });
        return incidents.attachMeeting(id, meeting.id);
      });
      res.status(201).json(incident);
    }),
  );
  return router;
}
