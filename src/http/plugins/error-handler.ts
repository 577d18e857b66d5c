import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isAppError } from '../../lib/errors.js';
import { isRedisConnectionError } from '../../queue/queue-service.js';
import { isOipRequest } from '../../lib/request-path.js';
import { isNoSpace, noSpaceError } from '../../storage/free-space.js';
import { isStoreUnavailable } from '../../storage/store-errors.js';
import {
  FASTIFY_CODES,
  domainProblem,
  multipartProblem,
  validationProblem,
  type Problem,
} from './problem-catalog.js';

export { domainProblem, multipartParseDetail, type Problem } from './problem-catalog.js';

/**
 * The single place where failures become RFC 9457 problem documents. Services throw typed
 * errors (src/lib/errors.ts); validation errors list each failing field; 5xx never leak
 * internals (the detail is generic, the real error goes to the log with the request id).
 */

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

const REDIS_RETRY_AFTER_S = 5;
const REDIS_DOWN_DETAIL = 'The job queue is unavailable (Redis does not answer); try again shortly';
const STORE_DOWN_DETAIL = 'The object store does not answer; try again shortly';

export interface ErrorHandlerOptions {
  /** DATA_DIR: a write that ran out of room there, unmapped by the service, still answers 507. */
  dataDir?: string;
}

/** A full volume or quota that no service named: 507 for the request's data, never a 500. */
async function withNoSpaceNamed(
  caught: FastifyError,
  request: FastifyRequest,
  dataDir: string | undefined,
): Promise<FastifyError> {
  if (isAppError(caught) || dataDir === undefined || !isNoSpace(caught)) return caught;
  return (await noSpaceError(`the data of ${request.method} ${pathOnly(request.url)}`, dataDir, {
    cause: caught,
  })) as unknown as FastifyError;
}

/** A domain error as the problem its class maps to, logged when the fault is the server's. */
function sendDomainProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  const mapped = isAppError(error) ? domainProblem(error) : undefined;
  if (!isAppError(error) || !mapped) return undefined;
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

/** The outage an error reports, as the line to log and the detail to answer; undefined for none. */
function outage(error: unknown): [logMessage: string, detail: string] | undefined {
  if (isRedisConnectionError(error)) return ['Redis unavailable', REDIS_DOWN_DETAIL];
  if (isStoreUnavailable(error)) return ['object store unavailable', STORE_DOWN_DETAIL];
  return undefined;
}

/**
 * Any Redis command that fails for want of Redis, or the object store (s3://) unreachable or
 * failing on its side, wherever it ran: 503, try again; never a 500.
 */
function sendUnavailableProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  const named = outage(error);
  if (!named) return undefined;
  const [logMessage, detail] = named;
  request.log.warn({ err: error }, logMessage);
  reply.header('retry-after', String(REDIS_RETRY_AFTER_S));
  return sendProblem(reply, {
    type: 'service-unavailable',
    title: 'Service unavailable',
    status: 503,
    detail,
    retryAfter: REDIS_RETRY_AFTER_S,
  });
}

/** The client's fault as Fastify sees it: a schema failure, a malformed multipart body, a known code. */
function sendRequestProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  // Route schema failures (zod or JSON Schema): one entry per failing field.
  if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
    return sendProblem(reply, validationProblem(error));
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
  return undefined;
}

/**
 * What no step above claimed: another client error raised by Fastify or its plugins as
 * itself; anything else a logged 500 whose detail is only the request's id.
 */
function sendOtherProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
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
}

export default fp(
  async function errorHandler(app: FastifyInstance, opts: ErrorHandlerOptions) {
    app.setErrorHandler(async (caught: FastifyError, request, reply) => {
      const error = await withNoSpaceNamed(caught, request, opts.dataDir);
      return (
        sendDomainProblem(error, request, reply) ??
        sendUnavailableProblem(error, request, reply) ??
        sendRequestProblem(error, request, reply) ??
        sendOtherProblem(error, request, reply)
      );
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
