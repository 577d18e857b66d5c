import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const nameParams = z.object({ name: z.string().min(1).max(64) });
const aliasParams = nameParams.extend({ alias: z.string().min(1).max(32) });
const version = z.number().int().min(1).max(1_000_000_000);

export const aliasMove = z.object({
  version: z.number().int(),
  movedAt: z.string(),
  previous: z.number().int(),
});
export const aliasView = aliasMove.extend({
  alias: z.string(),
  modelId: z.string().nullable(),
  history: z.array(aliasMove),
});
const side = z.object({
  id: z.string(),
  name: z.string().nullable(),
  version: z.number().int().nullable(),
  accuracy: z.number(),
  low: z.number(),
  high: z.number(),
});
export const comparisonSchema = z.object({
  a: side,
  b: side,
  examples: z.number().int(),
  difference: z.object({
    accuracy: z.number(),
    low: z.number(),
    high: z.number(),
    level: z.number(),
    method: z.literal('newcombe-paired'),
  }),
  counts: z.object({ both: z.number(), aOnly: z.number(), bOnly: z.number(), neither: z.number() }),
  labelChanged: z.number().int(),
  verdict: z.enum(['b-better', 'a-better', 'no-clear-difference']),
  basis: z.string(),
});
const policy = z.enum(['manual', 'not-worse', 'better']);
export const aliasListSchema = z.object({ name: z.string(), aliases: z.array(aliasView) });
export const promotionRequestSchema = z
  .object({
    version: version.optional(),
    from: z.string().default('candidate'),
    to: z.string().default('production'),
    policy: policy.default('not-worse'),
    margin: z.number().min(0).max(1).optional(),
  })
  .default({ from: 'candidate', to: 'production', policy: 'not-worse' });
export const promotionSchema = z.object({
  promoted: z.boolean(),
  reason: z.string(),
  name: z.string(),
  alias: z.string(),
  version: z.number().int(),
  previous: z.number().int().nullable(),
  policy,
  margin: z.number(),
  comparison: comparisonSchema.nullable(),
});

/** Aliases (`name@production`), paired comparison of two models, and guarded promotion. */
export default async function promotionRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/models/:name/aliases',
    {
      schema: {
        params: nameParams,
        response: { 200: aliasListSchema },
      },
    },
    async (request) => request.scope.promotion.aliases(request.params.name),
  );

  r.put(
    '/v1/models/:name/aliases/:alias',
    {
      schema: {
        params: aliasParams,
        body: z.object({ version }),
        response: { 200: aliasMove.extend({ alias: z.string(), modelId: z.string() }) },
      },
    },
    async (request) =>
      request.scope.promotion.setAlias(request.params.name, request.params.alias, request.body.version),
  );

  r.delete('/v1/models/:name/aliases/:alias', { schema: { params: aliasParams } }, async (request, reply) => {
    await request.scope.promotion.removeAlias(request.params.name, request.params.alias);
    return reply.code(204).send();
  });

  r.post(
    '/v1/models/compare',
    {
      schema: {
        body: z.object({ a: z.string().min(1).max(200), b: z.string().min(1).max(200) }),
        response: { 200: comparisonSchema },
      },
    },
    async (request) => request.scope.promotion.compare(request.body.a, request.body.b),
  );

  r.post(
    '/v1/models/:name/promote',
    {
      schema: {
        params: nameParams,
        body: promotionRequestSchema,
        response: { 200: promotionSchema },
      },
    },
    async (request) => {
      const { version: v, margin, ...rest } = request.body;
      return request.scope.promotion.promote(request.params.name, {
        ...rest,
        ...(v === undefined ? {} : { version: v }),
        ...(margin === undefined ? {} : { margin }),
      });
    },
  );
}
