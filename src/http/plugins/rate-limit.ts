import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisClient } from '../../queue/redis.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import { isApiRequest } from '../../lib/request-path.js';

export interface RateLimitOptions {
  /** Requests per minute per API key (or per client IP without keys); 0 turns limiting off. */
  perMinute: number;
  /** Shared counters, so every API process behind a balancer enforces one limit. */
  redis?: RedisClient;
  /** Key prefix in Redis. */
  nameSpace: string;
}

/**
 * Per-caller rate limit on /v1 and /v2 routes: keyed by the API key's id (set by the auth plugin) or the
 * client IP, one budget across all routes. Over the limit: 429 problem+json with Retry-After.
 * Counters live in Redis; if Redis fails the request is let through (availability over strictness).
 * Must be registered after the auth plugin and before the routes it covers.
 */
export default fp(
  async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions) {
    if (opts.perMinute <= 0) return;
    await app.register(rateLimit, {
      global: true,
      max: opts.perMinute,
      timeWindow: 60_000,
      // After onRequest (auth has identified the key), before the body is read.
      hook: 'preParsing',
      ...(opts.redis ? { redis: opts.redis, nameSpace: opts.nameSpace } : {}),
      skipOnError: true,
      keyGenerator: (req: FastifyRequest) => (req.apiKeyId ? `key:${req.apiKeyId}` : `ip:${req.ip}`),
      // Probes, scrapers, docs and CORS preflights are never limited.
      allowList: (req: FastifyRequest) => req.method === 'OPTIONS' || !isApiRequest(req),
      addHeadersOnExceeding: {
        'x-ratelimit-limit': true,
        'x-ratelimit-remaining': true,
        'x-ratelimit-reset': true,
      },
      addHeaders: {
        'x-ratelimit-limit': true,
        'x-ratelimit-remaining': true,
        'x-ratelimit-reset': true,
        'retry-after': true,
      },
      errorResponseBuilder: (_req, ctx) =>
        new TooManyRequestsError(
          `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`,
          { extra: { retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)) } },
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);
