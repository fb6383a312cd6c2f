/** The audit log's contract: GET /api/audit (admins). */
import { z } from 'zod';

export const AUDIT_ACTIONS = [
  'login',
  'login.failed',
  'logout',
  'user.create',
  'user.update',
  'user.delete',
  'user.revoke',
  'township.add',
  'site.add',
  'site.move',
  'township.move',
  'map.image',
  'camera.add',
  'camera.remove',
  'recording.toggle',
  'ptz.goto',
  'ptz.save',
  'meeting.create',
  'meeting.delete',
  /** A host action in a live meeting (mute, spotlight, roll call, ...), or a refused attempt. */
  'meeting.control',
  'meeting.guest-link',
  'wall.change',
  'wall.preset',
  'wall.preset.delete',
  'tour.save',
  'tour.delete',
  'tour.start',
  'tour.stop',
  'incident.open',
  'incident.close',
  'plan.save',
  'plan.delete',
  'plan.run',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** One line of the log: who did what, to what, when, from where, and whether it worked. */
export interface AuditEntry {
  /** Redis stream id: the page cursor. */
  id: string;
  time: string;
  actor: string;
  action: AuditAction;
  target?: string;
  address: string;
  ok: boolean;
  detail?: string;
}

const time = z.iso.datetime({ offset: true });
/** Query of GET /api/audit; newest first, `before` is the previous page's `next`. */
export const AuditQuerySchema = z.strictObject({
  actor: z.string().max(64).optional(),
  action: AuditActionSchema.optional(),
  target: z.string().max(128).optional(),
  from: time.optional(),
  to: time.optional(),
  before: z.string().regex(/^\d{1,20}-\d{1,20}$/, 'before: a cursor from a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}
