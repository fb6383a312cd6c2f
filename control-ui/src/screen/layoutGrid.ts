import type { CSSProperties } from 'react';
import { LAYOUT_TILES, isLargeTile, type CameraStream, type CameraView, type Tile, type WallLayout } from '@county/shared';

/** Grid side of each layout: `1+5` is a 3x3 grid whose first tile spans 2x2. */
const SIDE: Record<WallLayout, number> = { '1': 1, '2x2': 2, '3x3': 3, '4x4': 4, '1+5': 3 };

/** The grid's columns and rows. */
export function gridStyle(layout: WallLayout): CSSProperties {
  const n = SIDE[layout];
  return { gridTemplateColumns: `repeat(${n}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${n}, minmax(0, 1fr))` };
}

/** Where tile `index` sits: only the large tile of `1+5` spans more than one cell. */
export function tileStyle(layout: WallLayout, index: number): CSSProperties | undefined {
  return layout === '1+5' && index === 0 ? { gridColumn: 'span 2', gridRow: 'span 2' } : undefined;
}

/** Exactly one entry per tile of the layout: missing tiles are empty, extra ones dropped. */
export function layoutTiles(layout: WallLayout, tiles: readonly Tile[]): Tile[] {
  return Array.from({ length: LAYOUT_TILES[layout] }, (_, i) => tiles[i] ?? null);
}

export const tileCameraId = (tile: Tile | undefined): string | undefined =>
  tile && 'cameraId' in tile ? tile.cameraId : undefined;

/**
 * The stream a tile plays: the main stream where the tile spans more than half the screen
 * (layout 1, the big tile of 1+5), else the sub stream (<= 640x360), when the camera has one
 * and it is not offline (a broken sub URL falls back to the main stream). `prefer` (the
 * page's `?streams=main|sub`) overrides the size rule for every tile.
 */
export function tileStream(layout: WallLayout, index: number, camera: CameraView | undefined, prefer?: CameraStream): CameraStream {
  const wanted = prefer ?? (isLargeTile(layout, index) ? 'main' : 'sub');
  return wanted === 'sub' && camera?.hasSub && camera.sub?.status !== 'offline' ? 'sub' : 'main';
}

/** A camera as one of its streams shows it: for `sub`, the sub stream's status and health. */
export function streamView(camera: CameraView, stream: CameraStream): CameraView {
  if (stream === 'main' || !camera.sub) return camera;
  const { status, statusReason, statusSince, health, active } = camera.sub;
  return { ...camera, status, statusReason, statusSince, health, active };
}
