import type { z } from 'zod';
import { AppError, describeIssues, type Ack } from '@county/shared';
import type { Logger } from '@county/shared/node';

interface Listener {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Registers a request handler: validate with zod, run, acknowledge. A handler never throws
 * into socket.io: every outcome is an Ack, and unexpected errors are logged, not leaked.
 */
export function onRequest<S extends z.ZodType, R>(
  socket: Listener,
  event: string,
  schema: S,
  logger: Logger,
  run: (req: z.infer<S>) => Promise<R>,
): void {
  socket.on(event, (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return; // every request here is acknowledged; ignore others
    const reply = ack as (a: Ack<R>) => void;
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      reply({ ok: false, error: { code: 'bad_request', message: `${event}: ${describeIssues(parsed.error.issues)}` } });
      return;
    }
    run(parsed.data).then(
      (data) => reply({ ok: true, data }),
      (err: unknown) => {
        if (!(err instanceof AppError)) logger.error({ err, event }, 'request failed');
        reply({ ok: false, error: AppError.toBody(err) });
      },
    );
  });
}

/** For fire-and-forget events: validate, then run; bad payloads are logged and dropped. */
export function onEvent<S extends z.ZodType>(
  socket: Listener,
  event: string,
  schema: S,
  logger: Logger,
  run: (msg: z.infer<S>) => Promise<void>,
): void {
  socket.on(event, (payload: unknown) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      logger.warn({ event, issues: describeIssues(parsed.error.issues) }, 'dropped malformed event');
      return;
    }
    run(parsed.data).catch((err: unknown) => logger.error({ err, event }, 'event failed'));
  });
}
