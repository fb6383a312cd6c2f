import { z } from 'zod';
import { slugSchema, type CameraId, type CameraStatus, type StreamKind } from './camera';

/** One of the county's townships (乡镇); the county itself is the root above them. */
export const TownshipSchema = z.strictObject({
  id: slugSchema('township id'),
  name: z.string().trim().min(1, 'township name: required').max(100),
});
export type Township = z.infer<typeof TownshipSchema>;

/** A construction site or township location with one or more camera streams. */
export const SiteSchema = z.strictObject({
  id: slugSchema('site id'),
  name: z.string().trim().min(1, 'site name: required').max(100),
  townshipId: slugSchema('township id'),
});
export type Site = z.infer<typeof SiteSchema>;

/** A site as the API shows it: with its streams (panorama, close, ...). */
export interface SiteView extends Site {
  streams: { cameraId: CameraId; kind: StreamKind; status: CameraStatus }[];
}
