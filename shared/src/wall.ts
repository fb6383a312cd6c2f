/**
 * The command-center wall: screens (an LED wall or one output of it), their layouts and
 * tiles, and saved presets. HTTP contract: GET /api/screens, GET/PUT /api/screens/:id,
 * GET/POST /api/presets, DELETE /api/presets/:id, POST /api/screens/:id/preset {presetId};
 * socket.io pushes `screen:updated` to every screen page and console.
 */
import { z } from 'zod';
import { CameraIdSchema, slugSchema } from './camera';

/** `1+5`: one large tile and five small ones. */
export const WALL_LAYOUTS = ['1', '2x2', '3x3', '4x4', '1+5'] as const;
export const WallLayoutSchema = z.enum(WALL_LAYOUTS);
export type WallLayout = z.infer<typeof WallLayoutSchema>;

/** How many tiles each layout has. */
export const LAYOUT_TILES: Record<WallLayout, number> = { '1': 1, '2x2': 4, '3x3': 9, '4x4': 16, '1+5': 6 };

/** A tile spanning more than half the screen (layout 1, the big tile of 1+5): it plays main streams, the others sub streams. */
export const isLargeTile = (layout: WallLayout, index: number): boolean => layout === '1' || (layout === '1+5' && index === 0);

/** A tile shows a camera, an intranet page (allow-listed hosts only), a notice text, or nothing. */
export const TileSchema = z.union([
  z.null(),
  z.strictObject({ cameraId: CameraIdSchema }),
  z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2048) }),
  z.strictObject({ text: z.string().trim().min(1).max(500) }),
]);
export type Tile = z.infer<typeof TileSchema>;

export const ScreenIdSchema = slugSchema('screen id');

/** A layout holds a fixed number of tiles: more is an error, fewer means the rest are empty. */
function checkTileCount(s: { layout: WallLayout; tiles: unknown[] }, ctx: z.RefinementCtx): void {
  if (s.tiles.length > LAYOUT_TILES[s.layout]) {
    ctx.addIssue({
      code: 'custom',
      path: ['tiles'],
      message: `tiles: layout ${s.layout} has ${LAYOUT_TILES[s.layout]} tiles, got ${s.tiles.length}`,
    });
  }
}

/** What a screen shows, as PUT /api/screens/:id takes it (validated as a whole). */
export const ScreenInputSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'name: required').max(100),
    layout: WallLayoutSchema,
    /** One entry per tile, in reading order; missing trailing tiles are empty. */
    tiles: z.array(TileSchema).max(16),
  })
  .superRefine(checkTileCount);
export type ScreenInput = z.infer<typeof ScreenInputSchema>;

export interface Screen extends ScreenInput {
  id: string;
  /** ISO time and user of the last change: a console shows who moved what. */
  updatedAt: string;
  updatedBy: string;
}

/** A named layout with its tiles ("防汛 flood watch"), recalled onto any screen in one click. */
export const WallPresetInputSchema = z.strictObject({
  id: slugSchema('preset id'),
  name: z.string().trim().min(1, 'name: required').max(100),
  layout: WallLayoutSchema,
  tiles: z.array(TileSchema).max(16),
}).superRefine(checkTileCount);
export type WallPresetInput = z.infer<typeof WallPresetInputSchema>;
export type WallPreset = WallPresetInput;

export const ApplyPresetSchema = z.strictObject({ presetId: slugSchema('preset id') });

/**
 * What a screen shows before anyone saved it: an empty 2x2 named after its id, so a new
 * `/wall/<id>` page works at once. `updatedBy` is empty (and `updatedAt` the epoch) until the first save.
 */
export function defaultScreen(id: string): Screen {
  return { id, name: id, layout: '2x2', tiles: [null, null, null, null], updatedAt: new Date(0).toISOString(), updatedBy: '' };
}

/** Trailing tiles a layout has and the input left out are empty: a stored screen always has all of them. */
export function padTiles(layout: WallLayout, tiles: readonly Tile[]): Tile[] {
  return [...tiles, ...Array<Tile>(Math.max(0, LAYOUT_TILES[layout] - tiles.length)).fill(null)];
}
