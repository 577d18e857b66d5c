import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { parse } from 'yaml';

/** The API contract lives in openapi.yaml at the repository root; /docs serves it with Swagger UI. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));

export function loadOpenApi(): Record<string, unknown> {
  return parse(readFileSync(OPENAPI_PATH, 'utf8')) as Record<string, unknown>;
}

export default fp(
  async function docs(app: FastifyInstance) {
    await app.register(swagger, {
      mode: 'static',
      specification: { path: OPENAPI_PATH, baseDir: path.dirname(OPENAPI_PATH) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs' },
);
