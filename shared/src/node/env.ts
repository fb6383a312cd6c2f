import type { z } from 'zod';
import { AppError, describeIssues } from '../errors';

/**
 * The one config loader: every process describes its environment variables as a zod object
 * and gets a typed, validated config, or one error naming every bad variable.
 */
export function loadEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset" (docker-compose passes `VAR=` for an unset ${VAR:-}).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) throw new AppError('bad_request', `configuration: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
