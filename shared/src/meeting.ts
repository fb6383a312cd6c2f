/**
 * Meetings as the store and permissions know them: an id, a title and the townships taking
 * part. Township users see and join only meetings of their township. The meeting room itself
 * (roll call, host controls) builds on this.
 */
import { z } from 'zod';
import { slugSchema } from './camera';

export const MeetingIdSchema = slugSchema('meeting id');
export const MeetingInputSchema = z.strictObject({
  id: MeetingIdSchema,
  title: z.string().trim().min(1, 'title: required').max(200),
  /** Townships taking part; every township when empty (a county-wide meeting). */
  townshipIds: z.array(slugSchema('township id')).max(100).default([]),
});
export type MeetingInput = z.infer<typeof MeetingInputSchema>;

export interface Meeting extends MeetingInput {
  createdBy: string;
  createdAt: string;
}
