import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasRole, type Principal, type Role } from '../../contracts/project.js';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import { isApiRequest, isApiUrl } from '../../lib/request-path.js';
import { OPEN_PRINCIPAL, type KeyRing } from '../../projects/key-ring.js';
import { accessOf, describeAccess } from '../route-access.js';

/**
 * Bearer API keys for every /v1 and /v2 route when keys are configured (API_KEYS,
 * API_KEYS_FILE): each key is a project and roles (projects/key-ring.ts), and each route needs a
 * role (route-access.ts): 401 for no key or an unknown one, 403 naming the role it lacks.
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
    /** Who is calling on an API route: key id, project, roles (contracts/project.ts). */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /**
     * For an open route, the requests that still need a key (`/readyz?deep=true`: it starts
     * a trainer process, which no anonymous caller may make the service do at will).
     */
    requireApiKey?: (request: FastifyRequest) => boolean;
  }
}

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

export interface AuthOptions {
  keys: KeyRing;
  closedRoutes?: string[];
}

export default fp(
  async function auth(app: FastifyInstance, opts: AuthOptions) {
    const closed = new Set(opts.closedRoutes ?? []);
    const { keys } = opts;
    app.decorateRequest('principal', null as unknown as Principal);
    // Every API route declares the role it needs (route-access.ts); a route without one is a
    // start-up error, so no route is ever reachable by a role nobody thought about.
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
      if (!isApiUrl(route.url)) return;
      for (const m of methods) {
        if (!accessOf(m, route.url))
          throw new Error(`${m} ${route.url} has no role in src/http/route-access.ts`);
      }
    });

    app.addHook('onRequest', async (request, reply) => {
      // By the route that matched, not the URL's spelling (see lib/request-path.ts).
      const api = isApiRequest(request);
      const needsKey =
        api ||
        closed.has(request.routeOptions.url ?? '') ||
        request.routeOptions.config.requireApiKey?.(request) === true;
      if (!needsKey) return;
      if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
      const principal = keys.enabled ? await authenticate(keys, request, reply) : OPEN_PRINCIPAL;
      request.principal = principal;
      // An open service has no keys: rate limits then go by client address, as before projects.
      if (keys.enabled) request.apiKeyId = principal.keyId;
      if (api) authorize(principal, request.method, request.routeOptions.url);
    });
  },
  { name: 'auth' },
);

/** The caller's key, or a 401 saying what was wrong with what was sent. */
async function authenticate(keys: KeyRing, request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const presented = bearerKey(request.headers, queryOf(request.url));
  if (presented.kind !== 'bearer') {
    // RFC 6750: every 401 names the scheme; a malformed attempt is an invalid_request.
    reply.header(
      'www-authenticate',
      presented.kind === 'missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_request"`,
    );
    throw new UnauthorizedError(presented.detail);
  }
  const found = await keys.principal(presented.key);
  if (!found) {
    reply.header('www-authenticate', `${CHALLENGE}, error="invalid_token"`);
    throw new UnauthorizedError('Invalid API key');
  }
  return found;
}

/** 403 naming the role when the key lacks what the matched route needs. */
function authorize(principal: Principal, method: string, url: string | undefined): void {
  // An unmatched path is the 404 handler's (after the key was checked, so it reveals nothing).
  const access = url === undefined ? undefined : accessOf(method === 'HEAD' ? 'GET' : method, url);
  if (access === undefined || access === 'any') return;
  const needed: readonly Role[] = typeof access === 'string' ? [access] : access;
  if (needed.some((r) => hasRole(principal, r))) return;
  const roles = describeAccess(access);
  throw new ForbiddenError(
    `key '${principal.keyId}' lacks the role ${roles} that ${method} ${url} needs (it has ${principal.roles.join(', ')})`,
    { extra: { requiredRoles: needed } },
  );
}
