import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { AppError } from '../../lib/errors.js';
import {
  BadGatewayError,
  ConflictError,
  InsufficientStorageError,
  NotFoundError,
  NotReadyError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
  isAppError,
  type FieldError,
} from '../../lib/errors.js';
import { isRedisConnectionError } from '../../queue/queue-service.js';
import { isOipRequest } from '../../lib/request-path.js';
import { isNoSpace, noSpaceError } from '../../storage/free-space.js';
import { isStoreUnavailable } from '../../storage/store-errors.js';

/**
 * The single place where failures become RFC 9457 problem documents. Services throw typed
 * errors (src/lib/errors.ts); validation errors list each failing field; 5xx never leak
 * internals (the detail is generic, the real error goes to the log with the request id).
 */

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

/** Problem types are URNs: stable identifiers that promise no web page behind them. */
const TYPE_BASE = 'urn:transfer-learning:problem:';

/** The request's path without its query, which may carry secrets (`?api_key=`). */
function pathOnly(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? '';
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // The Open Inference Protocol's error object (`$inference_error_response` and its siblings):
  // the same status and headers, the detail as its one field.
  if (isOipRequest(reply.request)) {
    return reply
      .status(problem.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ error: problem.detail });
  }
  const type = /^[a-z][a-z0-9+.-]*:/i.test(problem.type) ? problem.type : TYPE_BASE + problem.type;
  return reply
    .status(problem.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('x-content-type-options', 'nosniff')
    .send({ ...problem, type, instance: problem.instance ?? pathOnly(reply.request.url) });
}

/** The domain errors of src/lib/errors.ts, as problems. */
const DOMAIN_PROBLEMS = new Map<
  abstract new (...args: never[]) => AppError,
  { status: number; type: string; title: string }
>([
  [ValidationError, { status: 400, type: 'validation-error', title: 'Invalid request' }],
  [UnauthorizedError, { status: 401, type: 'unauthorized', title: 'Unauthorized' }],
  [NotFoundError, { status: 404, type: 'not-found', title: 'Not found' }],
  [ConflictError, { status: 409, type: 'conflict', title: 'Conflict' }],
  [PayloadTooLargeError, { status: 413, type: 'payload-too-large', title: 'Payload too large' }],
  [
    UnsupportedMediaTypeError,
    { status: 415, type: 'unsupported-media-type', title: 'Unsupported media type' },
  ],
  [UnprocessableError, { status: 422, type: 'unprocessable', title: 'Unprocessable content' }],
  [InsufficientStorageError, { status: 507, type: 'insufficient-storage', title: 'Insufficient storage' }],
  [TooManyRequestsError, { status: 429, type: 'too-many-requests', title: 'Too many requests' }],
  [BadGatewayError, { status: 502, type: 'bad-gateway', title: 'Upstream failure' }],
  [ServiceUnavailableError, { status: 503, type: 'service-unavailable', title: 'Service unavailable' }],
  [NotReadyError, { status: 503, type: 'not-ready', title: 'Not ready' }],
]);

/**
 * The problem a domain error becomes: that of its class, or of the nearest class above it
 * (a feature's own subclass, e.g. serving's ModelTooLargeError, maps like its parent);
 * undefined for a class the table lacks (a bug: 500).
 */
export function domainProblem(error: AppError): { status: number; type: string; title: string } | undefined {
  for (let proto: unknown = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const mapped = DOMAIN_PROBLEMS.get((proto as { constructor: typeof AppError }).constructor);
    if (mapped) return mapped;
  }
  return undefined;
}

/** Fastify's own client errors (bad JSON, too large, wrong content type ...), by code. */
const FASTIFY_CODES: Record<string, { status: number; type: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, type: 'payload-too-large', title: 'Payload too large' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, type: 'payload-too-large', title: 'Payload too large' },
  FST_FILES_LIMIT: { status: 413, type: 'payload-too-large', title: 'Too many files' },
  FST_PARTS_LIMIT: { status: 413, type: 'payload-too-large', title: 'Too many parts' },
  FST_FIELDS_LIMIT: { status: 413, type: 'payload-too-large', title: 'Too many fields' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, type: 'bad-request', title: 'Bad request' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, type: 'bad-request', title: 'Bad request' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, type: 'bad-request', title: 'Bad request' },
};

/**
 * Errors the router raises before any hook runs (Fastify's `frameworkErrors` option): a URL
 * that does not decode, a path parameter past `maxParamLength`. Problems like every other.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void sendProblem(reply, {
    type: tooLong ? 'uri-too-long' : 'bad-request',
    title: tooLong ? 'URI too long' : 'Bad request',
    status: tooLong ? 414 : 400,
    detail: tooLong
      ? 'a path parameter is longer than the server accepts'
      : 'the URL is not valid: a percent-escape does not decode',
  });
}

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (malformed request line,
 * oversized headers, timeouts): answered as problem+json on the raw socket, then closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are larger than the server accepts']
        : [400, 'the request is not valid HTTP'];
  const title = STATUS_CODES[status] ?? 'Bad request';
  const body = JSON.stringify({ type: `${TYPE_BASE}bad-request`, title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/problem+json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Multipart bodies that do not parse, raised by busboy as plain Errors (no code) wherever the
 * body is read: in the route, or in a service reading a file part's stream. The client's fault.
 */
const MULTIPART_PARSE_ERRORS: Array<[RegExp, string]> = [
  [
    /^Unexpected end of (multipart data|form)$/,
    'the multipart body ends before its closing boundary (the upload was cut short)',
  ],
  [
    /^Multipart: Boundary not found$/,
    'the multipart/form-data content type has no boundary parameter (e.g. multipart/form-data; boundary=...)',
  ],
  [/^Malformed part header$/, 'a part of the multipart body has a malformed header'],
  [/^Part terminated early$/, 'a part of the multipart body ends before its data does'],
];

/** The detail of a multipart parse failure, searched along the error's causes. */
export function multipartParseDetail(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const hit = MULTIPART_PARSE_ERRORS.find(([re]) => re.test(e.message));
    if (hit) return hit[1];
  }
  return undefined;
}

function multipartProblem(error: unknown): Problem | undefined {
  const detail = multipartParseDetail(error);
  if (!detail) return undefined;
  return {
    type: 'bad-request',
    title: 'Malformed multipart body',
    status: 400,
    detail,
    errors: [{ path: 'body', message: detail }],
  };
}

const REDIS_RETRY_AFTER_S = 5;
const REDIS_DOWN_DETAIL = 'The job queue is unavailable (Redis does not answer); try again shortly';

function fieldPath(context: string | undefined, instancePath: string): string {
  const rest = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const root = context === 'querystring' ? 'query' : (context ?? 'body');
  return rest ? `${root}.${rest}` : root;
}

export interface ErrorHandlerOptions {
  /** DATA_DIR: a write that ran out of room there, unmapped by the service, still answers 507. */
  dataDir?: string;
}

export default fp(
  async function errorHandler(app: FastifyInstance, opts: ErrorHandlerOptions) {
    app.setErrorHandler(async (caught: FastifyError, request, reply) => {
      // A full volume or quota that no service named: 507 for the request's data, never a 500.
      const error =
        !isAppError(caught) && opts.dataDir !== undefined && isNoSpace(caught)
          ? ((await noSpaceError(`the data of ${request.method} ${pathOnly(request.url)}`, opts.dataDir, {
              cause: caught,
            })) as unknown as FastifyError)
          : caught;
      const mapped = isAppError(error) ? domainProblem(error) : undefined;
      if (isAppError(error) && mapped) {
        if (mapped.status === 507) request.log.warn({ err: error }, error.message);
        else if (mapped.status >= 500) request.log.error({ err: error }, error.message);
        const retry = error.extra?.['retryAfter'];
        if (typeof retry === 'number') reply.header('retry-after', String(retry));
        return sendProblem(reply, {
          ...mapped,
          detail: error.message,
          ...(error.errors ? { errors: error.errors } : {}),
          ...(error.extra ?? {}),
        });
      }

      // Any Redis command that fails for want of Redis, wherever it ran: 503, never a 500.
      if (isRedisConnectionError(error)) {
        request.log.warn({ err: error }, 'Redis unavailable');
        reply.header('retry-after', String(REDIS_RETRY_AFTER_S));
        return sendProblem(reply, {
          type: 'service-unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: REDIS_DOWN_DETAIL,
          retryAfter: REDIS_RETRY_AFTER_S,
        });
      }

      // The object store (s3://) unreachable or failing on its side: 503, try again; never a 500.
      if (isStoreUnavailable(error)) {
        request.log.warn({ err: error }, 'object store unavailable');
        reply.header('retry-after', String(REDIS_RETRY_AFTER_S));
        return sendProblem(reply, {
          type: 'service-unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'The object store does not answer; try again shortly',
          retryAfter: REDIS_RETRY_AFTER_S,
        });
      }

      // Route schema failures (zod or JSON Schema): one entry per failing field.
      if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
        const errors = (error.validation ?? []).map((v) => ({
          path: fieldPath(error.validationContext, v.instancePath),
          message: v.message ?? 'invalid',
        }));
        return sendProblem(reply, {
          type: 'validation-error',
          title: 'Invalid request',
          status: 400,
          detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          errors,
        });
      }

      const multipart = multipartProblem(error);
      if (multipart) {
        request.log.info({ err: error }, 'malformed multipart body');
        return sendProblem(reply, multipart);
      }

      const known = error.code ? FASTIFY_CODES[error.code] : undefined;
      if (known) {
        return sendProblem(reply, { ...known, detail: error.message });
      }

      if (isResponseSerializationError(error)) {
        request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
      } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Other client errors raised by Fastify or its plugins (e.g. 429 from the rate limiter).
        return sendProblem(reply, {
          type: error.statusCode === 429 ? 'too-many-requests' : 'bad-request',
          title: error.statusCode === 429 ? 'Too many requests' : 'Bad request',
          status: error.statusCode,
          detail: error.message,
        });
      } else {
        request.log.error({ err: error }, 'unhandled error');
      }
      return sendProblem(reply, {
        type: 'internal-error',
        title: 'Internal server error',
        status: 500,
        detail: `An unexpected error occurred; reference ${request.id}`,
      });
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: 'not-found',
        title: 'Not found',
        status: 404,
        detail: `No route ${request.method} ${pathOnly(request.url)}`,
      }),
    );
  },
  { name: 'error-handler' },
);
