import pino from 'pino';
import { redactUrl } from '../camera';

/**
 * The one logger factory for every Node process. Camera URLs may hold credentials: `url`,
 * `token` and `password` fields are censored, and every message string passes through
 * redactUrl (ffmpeg and mediasoup errors can echo a camera URL).
 */
/** Redacts URL credentials in a log argument: a string, or the string fields of an object. */
function scrub(arg: unknown): unknown {
  if (typeof arg === 'string') return redactUrl(arg);
  if (arg === null || typeof arg !== 'object' || arg instanceof Error || Array.isArray(arg)) return arg;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(arg)) out[k] = typeof v === 'string' ? redactUrl(v) : v;
  return out;
}

export function createLogger(
  name: string,
  options: { destination?: pino.DestinationStream; level?: string } = {},
): pino.Logger {
  return pino(
    {
      name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: {
        paths: ['url', '*.url', 'token', '*.token', 'password', '*.password', 'auth.token'],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map(scrub);
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (e: unknown) =>
          e instanceof Error ? { type: e.name, message: redactUrl(e.message), stack: redactUrl(e.stack ?? '') } : e,
      },
    },
    options.destination,
  );
}
export type Logger = pino.Logger;
