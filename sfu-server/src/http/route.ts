import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { AppError, describeIssues, type AuditAction } from '@county/shared';
import type { AuditLog } from '../audit/AuditLog';
import type { Principal } from '../auth/permissions';

type Handler = (req: Request, res: Response) => Promise<void>;
/** express 5 forwards rejected promises to the error handler; this keeps handlers one-liners. */
export const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

export function body<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parse(schema, req.body);
}

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('bad_request', describeIssues(parsed.error.issues));
  return parsed.data;
}

/** Set by the authentication middleware on every route but login, refresh and health. */
export function principal(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new AppError('unauthorized', 'sign in first');
  return p;
}

export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Runs a change and writes its audit line, whether it worked or was refused: the log shows
 * attempts too. The reply goes out after the line is stored.
 */
export async function audited<T>(
  audit: AuditLog,
  req: Request,
  res: Response,
  action: AuditAction,
  target: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const entry = { actor: (res.locals.principal as Principal | undefined)?.username ?? 'anonymous', action, target, address: clientAddress(req) };
  try {
    const result = await run();
    await audit.record({ ...entry, ok: true });
    return result;
  } catch (err) {
    await audit.record({ ...entry, ok: false, detail: err instanceof AppError ? err.code : 'internal' });
    throw err;
  }
}

/** One cookie's value from the Cookie header (no parser dependency for two cookies). */
export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // not percent-encoding: as if absent (401, not 500)
      }
    }
  }
  return undefined;
}
