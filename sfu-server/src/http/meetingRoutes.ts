import express from 'express';
import { z } from 'zod';
import { AppError, GuestLinkInputSchema, MeetingIdSchema, MeetingInputSchema, SiteCallSchema, slugSchema } from '@county/shared';
import type { AuditLog } from '../audit/AuditLog';
import type { MeetingStore } from '../meetings/MeetingStore';
import type { Meetings } from '../meetings/Meetings';
import { authorize } from '../auth/permissions';
import { audited, body, parse, principal, route } from './route';

const RecordingIdSchema = z.string().regex(/^\d{8}T\d{6}Z(-\d+)?$/, 'recording id');
const ChunkSeqSchema = z.coerce.number().int().min(0).max(10_000_000);

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

  router.get(
    '/meetings/:id/recordings',
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      await meetings.get(principal(res), id);
      res.json(await meetings.recordings.list(id));
    }),
  );

  router.get(
    '/meetings/:id/recordings/:file',
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      await meetings.get(principal(res), id);
      res.type('video/webm');
      // The folder is .meetings (apart from camera folders): allow it, send refuses dot paths by default.
      res.sendFile(meetings.recordings.file(id, String(req.params.file)), { dotfiles: 'allow' }); // honours Range
    }),
  );

  // The host's page uploads the recording it composes, chunk by chunk, in order.
  router.post(
    '/meetings/:id/recordings/:rec/chunks/:seq',
    express.raw({ type: () => true, limit: '16mb' }),
    route(async (req, res) => {
      const id = parse(MeetingIdSchema, req.params.id);
      const rec = parse(RecordingIdSchema, req.params.rec);
      const seq = parse(ChunkSeqSchema, req.params.seq);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new AppError('bad_request', 'a chunk is the raw bytes of the recording');
      await meetings.recordChunk(principal(res), id, rec, seq, req.body);
      res.status(204).end();
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
