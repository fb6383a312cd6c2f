import { z } from 'zod';
import { slugSchema, type CameraId, type CameraStatus, type StreamKind } from './camera';

/** A point on the county map: fractions (0..1) of the map image's width and height from its top left. */
export const MapPositionSchema = z.strictObject({
  x: z.number().min(0, 'x: 0 to 1').max(1, 'x: 0 to 1'),
  y: z.number().min(0, 'y: 0 to 1').max(1, 'y: 0 to 1'),
});
export type MapPosition = z.infer<typeof MapPositionSchema>;

/** PATCH /api/sites/:id and /api/townships/:id: where the marker or label sits (null: off the map). */
export const MapPlacementSchema = z.strictObject({ position: MapPositionSchema.nullable() });

/** PUT /api/map/image takes one of these as its body's Content-Type, at most MAP_IMAGE_MAX_BYTES. */
export const MAP_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;
export type MapImageType = (typeof MAP_IMAGE_TYPES)[number];
export const MAP_IMAGE_MAX_BYTES = 5 * 1024 * 1024;

/** One of the county's townships (乡镇); the county itself is the root above them. */
export const TownshipSchema = z.strictObject({
  id: slugSchema('township id'),
  name: z.string().trim().min(1, 'township name: required').max(100),
  /** Where its name is written on the county map. */
  position: MapPositionSchema.optional(),
});
export type Township = z.infer<typeof TownshipSchema>;

/** A construction site or township location with one or more camera streams. */
export const SiteSchema = z.strictObject({
  id: slugSchema('site id'),
  name: z.string().trim().min(1, 'site name: required').max(100),
  townshipId: slugSchema('township id'),
  /** Its marker on the county map. */
  position: MapPositionSchema.optional(),
});
export type Site = z.infer<typeof SiteSchema>;

/** A site as the API shows it: with its streams (panorama, close, ...). */
export interface SiteView extends Site {
  streams: { cameraId: CameraId; kind: StreamKind; status: CameraStatus }[];
}
