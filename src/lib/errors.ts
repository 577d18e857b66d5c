/**
 * Typed domain errors that services and ml throw: each says what went wrong, not which HTTP
 * status it becomes. The HTTP layer maps them to RFC 9457 problem+json in one place
 * (src/http/plugins/error-handler.ts); services never build HTTP responses themselves.
 */

export interface FieldError {
  /** Dotted path of the failing field, e.g. `body.fit.epochs` or `file`. */
  path: string;
  message: string;
}

export abstract class AppError extends Error {
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

/** The input breaks a rule (shape, range, reference); `errors` names the fields. */
export class ValidationError extends AppError {}

/** No valid credentials came with the request. */
export class UnauthorizedError extends AppError {}

/** The thing named does not exist. */
export class NotFoundError extends AppError {}

/** The caller is known but its key lacks the role (or the model) the request needs. */
export class ForbiddenError extends AppError {}

/** The request conflicts with current state (e.g. a dataset in use by a job). */
export class ConflictError extends AppError {}

/** Input over a configured size or count limit (the message names the setting). */
export class PayloadTooLargeError extends AppError {}

/** Input of a kind the service does not take. */
export class UnsupportedMediaTypeError extends AppError {}

/** Well-formed input that cannot be used (an unusable model, data that does not train). */
export class UnprocessableError extends AppError {}

/**
 * The store has no room for what was to be written (a full volume, a quota): `extra.bytesFree`
 * and, when known, `extra.bytesNeeded`. Nothing partial is left behind.
 */
export class InsufficientStorageError extends AppError {}

/** Over a rate limit; `extra.retryAfter` in seconds. */
export class TooManyRequestsError extends AppError {}

/** A dependency (Redis, storage) is down; `extra.retryAfter` in seconds. */
export class ServiceUnavailableError extends AppError {}

/** A readiness check fails (Redis, storage, backend or worker); `extra.checks` says which. */
export class NotReadyError extends AppError {}

/** An upstream server (a model URL) failed or timed out. */
export class BadGatewayError extends AppError {}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * A failure of the request itself (bad input, missing, conflicting, too large...), which
 * repeating would not cure; not an outage of something the service depends on.
 */
export function isRequestError(err: unknown): err is AppError {
  return (
    isAppError(err) &&
    !(
      err instanceof ServiceUnavailableError ||
      err instanceof NotReadyError ||
      err instanceof BadGatewayError ||
      err instanceof InsufficientStorageError
    )
  );
}

/** An AppError as plain data, to cross a thread or process boundary (structured clone drops classes). */
export interface SerialisedAppError {
  name: string;
  message: string;
  errors?: FieldError[];
  extra?: Record<string, unknown>;
}

const APP_ERRORS: Record<
  string,
  new (detail: string, opts?: { errors?: FieldError[]; extra?: Record<string, unknown> }) => AppError
> = {
  ValidationError,
  UnauthorizedError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  UnprocessableError,
  InsufficientStorageError,
  TooManyRequestsError,
  ServiceUnavailableError,
  NotReadyError,
  BadGatewayError,
};

export function serialiseAppError(err: AppError): SerialisedAppError {
  return {
    name: err.name,
    message: err.message,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extra ? { extra: err.extra } : {}),
  };
}

/** The same error class, message, errors[] and extra members as the one serialised. */
export function reviveAppError(data: SerialisedAppError): Error {
  const Ctor = APP_ERRORS[data.name];
  if (!Ctor) return new Error(data.message);
  return new Ctor(data.message, {
    ...(data.errors ? { errors: data.errors } : {}),
    ...(data.extra ? { extra: data.extra } : {}),
  });
}
