/**
 * Incidents (事件) and emergency plans (应急预案). An incident puts its cameras on a screen and
 * collects its history in the audit log (target `incident:<id>`); a plan is the saved template
 * that opens one in a click. HTTP contract: GET/POST /api/incidents, GET /api/incidents/:id,
 * POST /api/incidents/:id/close; GET/POST /api/plans, DELETE /api/plans/:id,
 * POST /api/plans/:id/run.
 */
import { z } from 'zod';
import { CameraIdSchema, slugSchema } from './camera';
import { ScreenIdSchema, type WallLayout } from './wall';

export const INCIDENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const IncidentSeveritySchema = z.enum(INCIDENT_SEVERITIES);
export type IncidentSeverity = z.infer<typeof IncidentSeveritySchema>;

export const INCIDENT_STATUSES = ['open', 'closed'] as const;
export const IncidentStatusSchema = z.enum(INCIDENT_STATUSES);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;

export const IncidentIdSchema = slugSchema('incident id');

/** At most one screen's worth: the largest layout has 16 tiles. */
const cameraIds = z.array(CameraIdSchema).min(1, 'cameraIds: at least one').max(16, 'cameraIds: at most 16 (one 4x4 screen)');

/** POST /api/incidents. */
export const IncidentInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'title: required').max(200),
  townshipId: slugSchema('township id'),
  siteId: slugSchema('site id').optional(),
  cameraIds,
  severity: IncidentSeveritySchema.default('warning'),
  screenId: ScreenIdSchema,
});
export type IncidentInput = z.infer<typeof IncidentInputSchema>;

export interface Incident extends IncidentInput {
  id: string;
  status: IncidentStatus;
  openedBy: string;
  openedAt: string;
  closedBy?: string;
  closedAt?: string;
  /** The plan it was opened from. */
  planId?: string;
  /** The meeting it started with the township center and the site's inspectors (a plan on a site). */
  meetingId?: string;
}

/** GET /api/incidents?status=open. */
export const IncidentQuerySchema = z.strictObject({ status: IncidentStatusSchema.optional() });

/** The audit log target of an incident: its timeline is GET /api/audit?target=incident:<id>. */
export const incidentTarget = (id: string) => `incident:${id}`;

/** The smallest layout that holds `count` cameras; the first camera gets the big tile of 1+5. */
export function layoutForCameras(count: number): WallLayout {
  if (count <= 1) return '1';
  if (count <= 4) return '2x2';
  if (count <= 6) return '1+5';
  if (count <= 9) return '3x3';
  return '4x4';
}

/** Kinds of event a plan is for: 防汛 flood, 道路塌方 road collapse, 工地火灾 site fire. */
export const PLAN_KINDS = ['flood', 'road-collapse', 'site-fire', 'other'] as const;
export const PlanKindSchema = z.enum(PLAN_KINDS);
export type PlanKind = z.infer<typeof PlanKindSchema>;

export const PlanIdSchema = slugSchema('plan id');

/** An emergency plan: its cameras listed, or every stream of one site. */
export const PlanInputSchema = z
  .strictObject({
    id: PlanIdSchema,
    name: z.string().trim().min(1, 'name: required').max(100),
    kind: PlanKindSchema,
    screenId: ScreenIdSchema,
    cameraIds: cameraIds.optional(),
    siteId: slugSchema('site id').optional(),
  })
  .refine((p) => (p.cameraIds === undefined) !== (p.siteId === undefined), {
    message: 'a plan lists cameraIds or names a siteId (one of them)',
  });
export type PlanInput = z.infer<typeof PlanInputSchema>;
export type Plan = PlanInput;

/** POST /api/plans/:id/run: the incident's title and township when the plan cannot tell. */
export const RunPlanSchema = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  townshipId: slugSchema('township id').optional(),
  severity: IncidentSeveritySchema.optional(),
});
export type RunPlan = z.infer<typeof RunPlanSchema>;
