import type { FastifyError } from 'fastify';
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
  ForbiddenError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldError,
} from '../../lib/errors.js';

/**
 * Which failure becomes which RFC 9457 problem: the tables and lookups the error handler
 * (./error-handler.ts) consults, with no reply or log of their own.
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

/** A problem's status, type and title: all but the detail, which comes from the error. */
export interface ProblemKind {
  status: number;
  type: string;
  title: string;
}

/** The domain errors of src/lib/errors.ts, as problems. */
const DOMAIN_PROBLEMS = new Map<abstract new (...args: never[]) => AppError, ProblemKind>([
  [ValidationError, { status: 400, type: 'validation-error', title: 'Invalid request' }],
  [UnauthorizedError, { status: 401, type: 'unauthorized', title: 'Unauthorized' }],
  [ForbiddenError, { status: 403, type: 'forbidden', title: 'Forbidden' }],
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
export function domainProblem(error: AppError): ProblemKind | undefined {
  for (let proto: unknown = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const mapped = DOMAIN_PROBLEMS.get((proto as { constructor: typeof AppError }).constructor);
    if (mapped) return mapped;
  }
  return undefined;
}

/** Fastify's own client errors (bad JSON, too large, wrong content type ...), by code. */
export const FASTIFY_CODES: Record<string, ProblemKind> = {
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

/** A multipart body that does not parse, as a 400; undefined for any other error. */
export function multipartProblem(error: unknown): Problem | undefined {
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

function fieldPath(context: string | undefined, instancePath: string): string {
  const rest = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const root = context === 'querystring' ? 'query' : (context ?? 'body');
  return rest ? `${root}.${rest}` : root;
}

/** Route schema failures (zod or JSON Schema) as a 400 with one entry per failing field. */
export function validationProblem(error: FastifyError): Problem {
  const errors = (error.validation ?? []).map((v) => ({
    path: fieldPath(error.validationContext, v.instancePath),
    message: v.message ?? 'invalid',
  }));
  return {
    type: 'validation-error',
    title: 'Invalid request',
    status: 400,
    detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    errors,
  };
}
