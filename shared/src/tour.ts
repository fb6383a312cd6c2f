/**
 * Tours (轮巡): a screen or one of its tiles steps through cameras or presets, each shown for
 * `dwellS` seconds, driven by the server. HTTP contract: GET/POST /api/tours,
 * DELETE /api/tours/:id, POST /api/tours/:id/start, POST /api/tours/:id/stop. Each step is a
 * screen change like an operator's, so pages and consoles hear it as `screen:updated`.
 */
import { z } from 'zod';
import { CameraIdSchema, slugSchema } from './camera';
import { ScreenIdSchema } from './wall';

/** The server refuses shorter dwells unless TOUR_MIN_DWELL_S lowers this (tests). */
export const TOUR_MIN_DWELL_S = 5;
export const TOUR_MAX_DWELL_S = 3600;

export const TourIdSchema = slugSchema('tour id');

/** A camera (on the tour's tile, or full screen) or a preset (the whole screen). */
export const TourStepSchema = z.union([
  z.strictObject({ cameraId: CameraIdSchema }),
  z.strictObject({ presetId: slugSchema('preset id') }),
]);
export type TourStep = z.infer<typeof TourStepSchema>;

/** The whole screen, or one tile of it (counted from 0 in reading order). */
export const TourTargetSchema = z.strictObject({
  screenId: ScreenIdSchema,
  tileIndex: z.number().int().min(0).max(15).optional(),
});
export type TourTarget = z.infer<typeof TourTargetSchema>;

export const TourInputSchema = z
  .strictObject({
    id: TourIdSchema,
    name: z.string().trim().min(1, 'name: required').max(100),
    target: TourTargetSchema,
    steps: z.array(TourStepSchema).min(1, 'steps: at least one').max(100),
    /** Seconds each step stays; the lower bound is the server's TOUR_MIN_DWELL_S (default 5). */
    dwellS: z.number().int().min(1).max(TOUR_MAX_DWELL_S),
  })
  .superRefine((t, ctx) => {
    // A preset is a whole layout: it cannot go into one tile.
    if (t.target.tileIndex !== undefined && t.steps.some((s) => 'presetId' in s)) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'steps: a tour on one tile shows cameras only, not presets' });
    }
  });
export type TourInput = z.infer<typeof TourInputSchema>;

/** Where a running tour is; kept in Redis so a restarted server carries on. */
export interface TourState {
  running: boolean;
  /** Index into `steps` of what is shown now. */
  step: number;
  /** ISO time the current step went up (or the tour stopped). */
  since: string;
  /** Who started or stopped it last. */
  by: string;
  /** The last step that could not be shown (a camera or preset removed since): the tour goes on. */
  error?: string;
}

export interface Tour extends TourInput {
  createdBy: string;
  state: TourState;
}
