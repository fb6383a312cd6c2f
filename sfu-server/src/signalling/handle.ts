import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, describeIssues, type Ack } from '@county/shared';
import type { Logger } from '@county/shared/node';

/** A socket whose incoming events are typed by the map `M` (socket.io's first type parameter). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- socket.io's own bound for event maps
type EventsMap = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the incoming map matters here
type Listener<M extends EventsMap> = Socket<M, any, any, any>;
/** The raw registration: the payload is untrusted until zod has looked at it. */
const untyped = (socket: unknown) => socket as { on(event: string, listener: (...args: unknown[]) => void): unknown };

/** Events of `M` that take a request and an acknowledgement. */
export type RequestEvent<M> = {
  [K in keyof M]: M[K] extends (...args: infer A) => void ? (A extends [unknown, (result: never) => void] ? K : never) : never;
}[keyof M] &
  string;
/** What an event's acknowledgement carries when it succeeds. */
type ReplyOf<F> = F extends (req: never, ack: (result: Ack<infer R>) => void) => void ? R : never;
/** Events of `M` without an acknowledgement. */
type NoticeEvent<M> = Exclude<keyof M & string, RequestEvent<M>>;

/**
 * Registers a request handler: validate with zod, run, acknowledge. The event name and the
 * reply are checked against the socket's event map (shared/), so they cannot drift from the
 * contract. A handler never throws into socket.io: every outcome is an Ack, and unexpected
 * errors are logged, not leaked.
 */
export function onRequest<M extends EventsMap, K extends RequestEvent<M>, S extends z.ZodType>(
  socket: Listener<M>,
  event: K,
  schema: S,
  logger: Logger,
  run: (req: z.infer<S>) => Promise<ReplyOf<M[K]>>,
): void {
  type R = ReplyOf<M[K]>;
  untyped(socket).on(event, (...args: unknown[]) => {
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
export function onEvent<M extends EventsMap, K extends NoticeEvent<M>, S extends z.ZodType>(
  socket: Listener<M>,
  event: K,
  schema: S,
  logger: Logger,
  run: (msg: z.infer<S>) => Promise<void>,
): void {
  untyped(socket).on(event, (payload: unknown) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      logger.warn({ event, issues: describeIssues(parsed.error.issues) }, 'dropped malformed event');
      return;
    }
    run(parsed.data).catch((err: unknown) => logger.error({ err, event }, 'event failed'));
  });
}
