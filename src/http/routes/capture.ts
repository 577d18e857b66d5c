import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const params = z.object({ id: z.string().min(1).max(128) });
const itemParams = params.extend({ itemId: z.string().min(1).max(64) });

export const captureConfigSchema = z.object({
  rate: z.number().min(0).max(1).describe('share of predicted instances kept; 0 turns capture off'),
  maxItems: z.number().int().min(1).max(100_000).default(1000).describe('most unreviewed items kept'),
});
export const captureViewSchema = z.object({
  modelId: z.string(),
  capture: z.object({ rate: z.number(), maxItems: z.number().int() }),
  items: z.number().int(),
  reviewed: z.number().int(),
  bytes: z.number().int(),
});
export const reviewEntrySchema = z.object({
  id: z.string(),
  suggestedLabel: z.string(),
  score: z.number(),
  novelty: z.number().nullable(),
  unknown: z.boolean(),
  margin: z.number(),
  value: z.number(),
  reason: z.enum(['novel', 'uncertain', 'confident', 'repeat']),
  capturedAt: z.string(),
});
export const reviewBodySchema = z.union([
  z.strictObject({ label: z.string().min(1) }),
  z.strictObject({ unknown: z.literal(true) }),
  z.strictObject({ discard: z.literal(true) }),
]);

/** Prediction capture (opt-in per model) and the review queue of what it captured. */
export default async function captureRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.patch(
    '/v1/models/:id',
    {
      schema: {
        params,
        body: z.strictObject({ capture: captureConfigSchema }),
        response: { 200: captureViewSchema },
      },
    },
    async (request) => request.scope.review.setCapture(request.params.id, request.body.capture),
  );

  r.get(
    '/v1/models/:id/capture',
    { schema: { params, response: { 200: captureViewSchema } } },
    async (request) => request.scope.review.capture(request.params.id),
  );

  r.delete('/v1/models/:id/captures', { schema: { params } }, async (request) =>
    request.scope.review.removeAll(request.params.id),
  );

  r.get(
    '/v1/models/:id/review',
    {
      schema: {
        params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: {
          200: z.object({ modelId: z.string(), items: z.array(reviewEntrySchema), total: z.number().int() }),
        },
      },
    },
    async (request) => request.scope.review.queue(request.params.id, request.query.limit),
  );

  r.get('/v1/models/:id/review/:itemId/input', { schema: { params: itemParams } }, async (request, reply) => {
    const { contentType, data } = await request.scope.review.input(request.params.id, request.params.itemId);
    return reply
      .header('content-type', contentType)
      .header('cache-control', 'private, max-age=3600')
      .send(data);
  });

  r.post(
    '/v1/models/:id/review/:itemId',
    { schema: { params: itemParams, body: reviewBodySchema } },
    async (request, reply) => {
      const item = await request.scope.review.decide(request.params.id, request.params.itemId, request.body);
      return item ? item : reply.code(204).send();
    },
  );

  r.delete('/v1/models/:id/review/:itemId', { schema: { params: itemParams } }, async (request, reply) => {
    await request.scope.review.remove(request.params.id, request.params.itemId);
    return reply.code(204).send();
  });
}
