import express from 'express';
import { GuestLinkInputSchema, MeetingIdSchema, MeetingInputSchema, SiteCallSchema, slugSchema } from '@county/shared';
import type { AuditLog } from '../audit/AuditLog';
import type { MeetingStore } from '../meetings/MeetingStore';
import type { Meetings } from '../meetings/Meetings';
import { authorize } from '../auth/permissions';
import { audited, body, parse, principal, route } from './route';

/** Meetings: create, list (cut to the caller's invitations), one meeting, its roll call as CSV. */
export function meetingRoutes(deps: { meetings: Meetings; meetingStore: MeetingStore; audit: AuditLog }): express.Router {
  const { meetings, audit } = deps;
  const router = express.Router();

  router.get(
    '/meetings',
    route(async (_req, res) => {
      res.json(await meetings.list(principal(res)));
    }),
  );

  router.get(
    '/meetings/:id',
    route(async (req, res) => {
      res.json(await meetings.get(principal(res), parse(MeetingIdSchema, req.params.id)));
    }),
  );

  router.get(
    '/meetings/:id/rollcall.csv',
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      const csv = await meetings.rollCallCsv(principal(res), id);
      res.type('text/csv; charset=utf-8').attachment(`rollcall-${id}.csv`).send(csv);
    }),
  );

  router.post(
    '/meetings',
    route(async (req, res) => {
      const input = body(MeetingInputSchema, req);
      const m = await audited(audit, req, res, 'meeting.create', input.id, () => meetings.create(principal(res), input));
      res.status(201).json(m);
    }),
  );

  router.post(
    '/meetings/:id/guest-links',
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      const input = body(GuestLinkInputSchema, req);
      const link = await audited(audit, req, res, 'meeting.guest-link', id, () => meetings.guestLink(principal(res), id, input));
      res.status(201).json(link);
    }),
  );

  // Call a site: its inspectors' phones ring; the answer is the meeting to open (as its host).
  router.post(
    '/sites/:id/call',
    route(async (req, res) => {
      const siteId = parse(slugSchema('site id'), req.params.id);
      const call = parse(SiteCallSchema, req.body ?? {});
      const m = await audited(audit, req, res, 'meeting.create', `call:${siteId}`, () => meetings.callSite(principal(res), siteId, call));
      res.status(201).json(m);
    }),
  );

  router.delete(
    '/meetings/:id',
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      await audited(audit, req, res, 'meeting.delete', id, async () => {
        authorize(principal(res), 'meetings:manage');
        await deps.meetingStore.remove(id);
      });
      res.status(204).end();
    }),
  );
  return router;
}
