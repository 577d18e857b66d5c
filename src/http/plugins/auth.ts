import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../../lib/errors.js';
import { isApiRequest } from '../../lib/request-path.js';

/**
 * Bearer API keys for every /v1 and /v2 route when API_KEYS is set. Keys are compared as SHA-256
 * digests with timingSafeEqual, so neither the key nor its length leaks through timing.
 * Health, metrics and docs stay open for probes and scrapers; an open route may still ask a key
 * for some requests (route config `requireApiKey`), and `closedRoutes` (METRICS_REQUIRE_KEY:
 * /metrics and the OpenAPI document) need one like /v1.
 */

/** The open routes METRICS_REQUIRE_KEY closes: what they show is useful to an attacker's map. */
export const METRICS_ROUTES = ['/metrics', '/docs/json', '/docs/yaml'];

declare module 'fastify' {
  interface FastifyRequest {
    /** A stable, non-secret identifier of the caller's key (for rate limits and logs). */
    apiKeyId?: string;
  }
  interface FastifyContextConfig {
    /**
     * For an open route, the requests that still need a key (`/readyz?deep=true`: it starts
     * a trainer process, which no anonymous caller may make the service do at will).
     */
    requireApiKey?: (request: FastifyRequest) => boolean;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The `WWW-Authenticate` challenge every 401 carries (RFC 9110 §11.6.1, RFC 6750 §3). */
export const CHALLENGE = 'Bearer realm="transfer-learning"';

const HOW = 'send it as "Authorization: Bearer <key>"';

/** Headers other APIs read keys from: a key found there was sent the wrong way, not left out. */
const OTHER_KEY_HEADERS = ['x-api-key', 'api-key', 'x-api-token', 'x-auth-token'];

/** Query parameters other APIs read keys from (never read here: URLs end up in logs). */
const OTHER_KEY_PARAMS = ['api_key', 'apikey', 'apiKey', 'key', 'access_token', 'token'];

type Presented = { kind: 'bearer'; key: string } | { kind: 'missing' | 'misplaced'; detail: string };

/**
 * The key as the request sent it. A key sent another way (an `X-API-Key` header, the key alone
 * in `Authorization`, another scheme) is told how to send it rather than called missing; the
 * detail never repeats the key.
 */
function bearerKey(headers: IncomingHttpHeaders, query: URLSearchParams): Presented {
  const header = headers.authorization?.trim();
  const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (bearer?.[1]) return { kind: 'bearer', key: bearer[1] };
  if (header && /^Bearer$/i.test(header)) {
    return {
      kind: 'missing',
      detail: `Missing API key: "Authorization: Bearer" came with no key after it; ${HOW}`,
    };
  }
  if (header) {
    const scheme = /^(\S+)\s+\S/.exec(header)?.[1];
    const detail = scheme
      ? `The API key was sent with the "${scheme}" scheme; ${HOW}`
      : `The Authorization header carries no "Bearer " before the key; ${HOW}`;
    return { kind: 'misplaced', detail };
  }
  const other = OTHER_KEY_HEADERS.find((h) => headers[h] !== undefined);
  if (other) {
    return {
      kind: 'misplaced',
      detail: `The API key was sent in an "${other}" header, which is not read; ${HOW}`,
    };
  }
  const param = OTHER_KEY_PARAMS.find((p) => query.has(p));
  if (param) {
    return {
      kind: 'misplaced',
      detail: `The API key was sent in the query string ("${param}"), which is not read; ${HOW}`,
    };
  }
  return { kind: 'missing', detail: `Missing API key: ${HOW}` };
}

function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
}

export default fp(
  async function auth(app: FastifyInstance, opts: { keys: string[]; closedRoutes?: string[] }) {
    const closed = new Set(opts.closedRoutes ?? []);
    const keys = opts.keys.map((k) => ({ hash: digest(k), id: digest(k).toString('hex').slice(0, 12) }));
    if (keys.length === 0) return;

    app.addHook('onRequest', async (request, reply) => {
      // By the route that matched, not the URL's spelling (see lib/request-path.ts).
      const needsKey =
        isApiRequest(request) ||
        closed.has(request.routeOptions.url ?? '') ||
        request.routeOptions.config.requireApiKey?.(request) === true;
      if (!needsKey) return;
      if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
      const presented = bearerKey(request.headers, queryOf(request.url));
      if (presented.kind !== 'bearer') {
        // RFC 6750: every 401 names the scheme; a malformed attempt is an invalid_request.
        reply.header(
          'www-authenticate',
          presented.kind === 'missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_request"`,
        );
        throw new UnauthorizedError(presented.detail);
      }
      const hash = digest(presented.key);
      let found: string | undefined;
      for (const k of keys) if (timingSafeEqual(k.hash, hash)) found = k.id;
      if (!found) {
        reply.header('www-authenticate', `${CHALLENGE}, error="invalid_token"`);
        throw new UnauthorizedError('Invalid API key');
      }
      request.apiKeyId = found;
    });
  },
  { name: 'auth' },
);
