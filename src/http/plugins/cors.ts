import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Cross-origin access for browser clients on other origins: `*` allows any, a list allows
 * those, none (the default) allows only the dashboard's own origin.
 */
export default fp(
  async function corsPlugin(app: FastifyInstance, opts: { origins: readonly string[] }) {
    await app.register(cors, {
      origin: opts.origins.includes('*') ? true : opts.origins.length > 0 ? [...opts.origins] : false,
      exposedHeaders: ['retry-after', 'x-request-id'],
    });
  },
  { name: 'cors' },
);
