/**
 * Error codes every layer uses: the server's AppError carries one, HTTP maps it to a status,
 * socket.io acks carry it, and the UI translates it (i18n key `errors.<code>`).
 */
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** Shape of every socket.io acknowledgement: a result, never a thrown error. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (result: Ack<T>) => void;


const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The one error type: a code the client can act on and a message safe to show it. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** Anything thrown becomes a body safe to send: unknown errors do not leak their text. */
  static toBody(err: unknown): ErrorBody {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    return { code: 'internal', message: 'internal error' };
  }

  static status(err: unknown): number {
    return err instanceof AppError ? err.httpStatus : 500;
  }
}

/** zod issues joined into one readable line. */
export function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}
