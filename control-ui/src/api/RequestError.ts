import { ERROR_CODES, type ErrorCode } from '@county/shared';

/** HTTP statuses of answers that carry no `{code, message}` body (a proxy's 502, a crash). */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * A failed request, HTTP or socket.io, with the server's error code (translated by the UI as
 * errors.<code>) and its message.
 */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }

  /** The error a failed HTTP answer stands for: its body's code when it has one, else its status's. */
  static async fromResponse(res: Response): Promise<RequestError> {
    const body = (await res.json().catch(() => undefined)) as { code?: unknown; message?: unknown } | undefined;
    const code = isErrorCode(body?.code) ? body.code : (CODE_OF_STATUS[res.status] ?? 'internal');
    const message = typeof body?.message === 'string' ? body.message : `${res.status} ${res.statusText}`.trim();
    return new RequestError(code, message);
  }

  /** Anything a request threw, as a RequestError: a network failure is `unavailable`. */
  static from(err: unknown): RequestError {
    if (err instanceof RequestError) return err;
    return new RequestError('unavailable', err instanceof Error ? err.message : String(err));
  }
}
