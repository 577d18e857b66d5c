import type { FastifyInstance } from 'fastify';
import type { OipService } from '../../oip/oip-service.js';
import { allowModel } from '../model-access.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import {
  inferenceRequestSchema,
  inferenceResponseSchema,
  liveSchema,
  modelMetadataSchema,
  modelReadySchema,
  serverMetadataSchema,
  serverReadySchema,
} from '../../oip/schemas.js';
import { moreSevere } from './models.js';

/**
 * The Open Inference Protocol's REST endpoints (KServe v2 / Triton), beside /v1 and behind the
 * same auth and rate limit; errors are the protocol's `{ "error": "..." }` (the error handler
 * answers so for every /v2 path). The health probes stay open, like /healthz and /readyz.
 */

const name = z.string().min(1).max(128);
const version = z.string().min(1).max(32);

export default async function oipRoutes(
  app: FastifyInstance,
  opts: {
    config: Pick<Config, 'LOG_LEVEL' | 'PREDICT_LOG_LEVEL'>;
    /** Server-level answers, the same for every project. */
    server: Pick<OipService, 'serverReady' | 'serverMetadata'>;
  },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { config, server } = opts;

  r.get('/v2/health/live', { schema: { response: { 200: liveSchema } } }, async () => ({ live: true }));

  r.get(
    '/v2/health/ready',
    { schema: { response: { 200: serverReadySchema, 503: serverReadySchema } } },
    async (_req, reply) => {
      const ready = await server.serverReady();
      return reply.code(ready ? 200 : 503).send({ ready, live: ready });
    },
  );

  r.get('/v2', { schema: { response: { 200: serverMetadataSchema } } }, async () => server.serverMetadata());

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    const params = prefix.includes(':version') ? z.object({ name, version }) : z.object({ name });
    type Params = { name: string; version?: string };

    r.get(prefix, { schema: { params, response: { 200: modelMetadataSchema } } }, async (request) => {
      const p = request.params as Params;
      return request.scope.oip.modelMetadata(p.name, p.version, allowModel(request.principal));
    });

    r.get(
      `${prefix}/ready`,
      { schema: { params, response: { 200: modelReadySchema, 503: modelReadySchema } } },
      async (request, reply) => {
        const p = request.params as Params;
        const answer = await request.scope.oip.modelReady(p.name, p.version, allowModel(request.principal));
        return reply.code(answer.ready ? 200 : 503).send(answer);
      },
    );

    r.post(
      `${prefix}/infer`,
      {
        // The hot route, like /v1's predict: no per-request access log by default.
        logLevel: moreSevere(config.LOG_LEVEL, config.PREDICT_LOG_LEVEL),
        schema: { params, body: inferenceRequestSchema, response: { 200: inferenceResponseSchema } },
      },
      async (request) => {
        const p = request.params as Params;
        return request.scope.oip.infer(p.name, p.version, request.body, allowModel(request.principal));
      },
    );
  }
}
