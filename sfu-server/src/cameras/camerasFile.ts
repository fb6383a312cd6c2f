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
import type { Logger } from '@county/shared/node';
import type { CameraRegistry } from './CameraRegistry';
import type { SiteDirectory } from './SiteDirectory';

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

/**
 * Imports CAMERAS_FILE into the store: what exists already is kept (an import never
 * overwrites an operator's change), everything else is added.
 */
export async function importCamerasFile(
  path: string,
  deps: { sites: SiteDirectory; registry: CameraRegistry; logger: Logger },
): Promise<{ added: number; kept: number }> {
  const file = readCamerasFile(path);
  let added = 0;
  let kept = 0;
  const add = async (op: () => Promise<unknown>) => {
    try {
      await op();
      added++;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      kept++;
    }
  };
  for (const t of file.townships) await add(() => deps.sites.addTownship(t));
  for (const s of file.sites) await add(() => deps.sites.addSite(s));
  for (const c of file.cameras) await add(() => deps.registry.add(c));
  deps.logger.info({ file: path, added, kept }, 'cameras file imported');
  return { added, kept };
}
