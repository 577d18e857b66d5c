import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobView } from './jobs.js';

const params = z.object({ id: z.string().min(1).max(128) });

export const retrainBodySchema = z
  .strictObject({
    spec: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "top-level job spec fields that replace the model's own (fit, compile, evaluation, seed, ...)",
      ),
    coldStart: z
      .boolean()
      .default(false)
      .describe("train the new version from the base instead of starting from this model's weights"),
  })
  .describe('what a retrain changes of the model recipe; {} retrains it as it was');

export const retrainResultSchema = z.object({
  job: jobView,
  dataset: z.object({
    id: z.string(),
    parentId: z.string(),
    examples: z.number().int(),
    added: z.number().int(),
    skipped: z.array(z.object({ exampleId: z.string(), reason: z.string() })),
  }),
  unknown: z.number().int(),
});

/** The feedback loop's last step: a model's labelled review items train its next version. */
export default async function retrainRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/models/:id/retrain',
    { schema: { params, body: retrainBodySchema.optional(), response: { 202: retrainResultSchema } } },
    async (request, reply) => {
      const out = await request.scope.retrain.retrain(request.params.id, request.body ?? {});
      return reply.status(202).header('location', `/v1/jobs/${out.job.id}`).send(out);
    },
  );
}
