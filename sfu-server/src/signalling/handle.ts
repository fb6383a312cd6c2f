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
  socket.on(event, (...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return; // every request here is acknowledged; ignore others
    const reply = ack as (a: Ack<R>) => void;
    if (args.length !== 2) {
      reply({ ok: false, error: { code: 'bad_request', message: `${event}: send one request and an acknowledgement` } });
      return;
    }
    const payload = args[0];
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

/** Answers a request nobody handles (an unknown event name with an ack) instead of leaving it hanging. */
export function refuseUnknownRequests(socket: { onAny(listener: (event: unknown, ...args: unknown[]) => void): unknown }, known: ReadonlySet<string>): void {
  socket.onAny((event, ...args) => {
    if (typeof event === 'string' && known.has(event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === 'function') (ack as (a: Ack<never>) => void)({ ok: false, error: { code: 'bad_request', message: 'unknown request' } });
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
