/**
 * Typed errors that services throw; the HTTP layer maps them to RFC 9457 problem+json in
 * one place (src/http/plugins/error-handler.ts). Services never build HTTP responses themselves.
 */

export interface FieldError {
  /** Dotted path of the failing field, e.g. `body.fit.epochs` or `file`. */
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  abstract readonly title: string;
  readonly errors: FieldError[] | undefined;
  /** Extra members copied into the problem document (e.g. `retryAfter`). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    detail: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly type = 'validation-error';
  readonly title = 'Invalid request';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Unauthorized';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'Conflict';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly type = 'unprocessable';
  readonly title = 'Unprocessable content';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly type = 'too-many-requests';
  readonly title = 'Too many requests';
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly type = 'service-unavailable';
  readonly title = 'Service unavailable';
}

/** A readiness check fails (Redis, storage, backend or worker); `extra.checks` says which. */
export class NotReadyError extends AppError {
  readonly status = 503;
  readonly type = 'not-ready';
  readonly title = 'Not ready';
}

export class BadGatewayError extends AppError {
  readonly status = 502;
  readonly type = 'bad-gateway';
  readonly title = 'Upstream failure';
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
