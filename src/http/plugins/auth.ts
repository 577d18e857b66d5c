import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../../lib/errors.js';
import { isApiRequest } from '../../lib/request-path.js';

/**
 * Bearer API keys for every /v1 route when API_KEYS is set. Keys are compared as SHA-256
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

export default fp(
  async function auth(app: FastifyInstance, opts: { keys: string[]; closedRoutes?: string[] }) {
    const closed = new Set(opts.closedRoutes ?? []);
    const keys = opts.keys.map((k) => ({ hash: digest(k), id: digest(k).toString('hex').slice(0, 12) }));
    if (keys.length === 0) return;

    app.addHook('onRequest', async (request) => {
      // By the route that matched, not the URL's spelling (see lib/request-path.ts).
      const needsKey =
        isApiRequest(request) ||
        closed.has(request.routeOptions.url ?? '') ||
        request.routeOptions.config.requireApiKey?.(request) === true;
      if (!needsKey) return;
      if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) {
        throw new UnauthorizedError('Missing API key: send "Authorization: Bearer <key>"');
      }
      const presented = digest(match[1]);
      let found: string | undefined;
      for (const k of keys) if (timingSafeEqual(k.hash, presented)) found = k.id;
      if (!found) throw new UnauthorizedError('Invalid API key');
      request.apiKeyId = found;
    });
  },
  { name: 'auth' },
);
