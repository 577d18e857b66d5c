import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Headers every response carries: `nosniff`, so a browser never runs an answer (a dataset's
 * name in JSON, an uploaded file shown back) as anything but its declared type. The Swagger UI
 * pages under /docs also get a Content-Security-Policy (this origin only, no framing): Swagger
 * UI 5 loads its scripts from files (no inline script) but sets inline styles, hence
 * 'unsafe-inline' for styles only. The dashboard sets its own, stricter policy.
 */

export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export default fp(
  async function securityHeaders(app: FastifyInstance) {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      const path = request.url.split(/[?#]/, 1)[0] ?? '';
      if (path === '/docs' || path.startsWith('/docs/')) {
        reply.header('content-security-policy', DOCS_CSP);
        reply.header('x-frame-options', 'DENY');
      }
    });
  },
  { name: 'security-headers' },
);
