import fs from 'node:fs';
import { z } from 'zod';
import {
  AppError,
  CameraInputSchema,
  describeIssues,
  SiteSchema,
  TownshipSchema,
  type CameraInput,
  type Site,
  type Township,
} from '@county/shared';

const CamerasFileSchema = z.strictObject({
  townships: z.array(TownshipSchema).max(1000).default([]),
  sites: z.array(SiteSchema).max(10_000).default([]),
  cameras: z.array(CameraInputSchema).max(10_000),
});

/**
 * Reads CAMERAS_FILE: `{"townships":[...], "sites":[...], "cameras":[{"id","name","url",
 * "siteId"?, "kind"?, "pull"?}, ...]}` (see config/cameras.example.json).
 */
export function readCamerasFile(path: string): { townships: Township[]; sites: Site[]; cameras: CameraInput[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AppError('bad_request', `CAMERAS_FILE ${path}: ${(err as Error).message}`);
  }
  const parsed = CamerasFileSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('bad_request', `CAMERAS_FILE ${path}: ${describeIssues(parsed.error.issues)}`);
  const ids = new Set<string>();
  for (const c of parsed.data.cameras) {
    if (ids.has(c.id)) throw new AppError('bad_request', `CAMERAS_FILE ${path}: duplicate camera id ${c.id}`);
    ids.add(c.id);
  }
  return parsed.data;
}
