import fs from 'node:fs';
import { z } from 'zod';
import { AppError, CameraInputSchema, describeIssues, type CameraInput } from '@county/shared';

const CamerasFileSchema = z.strictObject({ cameras: z.array(CameraInputSchema).max(10_000) });

/** Reads CAMERAS_FILE: `{"cameras":[{"id","name","url"}, ...]}` (see config/cameras.example.json). */
export function readCamerasFile(path: string): CameraInput[] {
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
  return parsed.data.cameras;
}
