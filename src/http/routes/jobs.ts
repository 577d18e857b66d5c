import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobSpecSchema } from '../../contracts/job-spec.js';
import { ID_PATTERN } from '../../contracts/id-pattern.js';
import { epochLogSchema, trainJobProgressSchema } from '../../contracts/progress.js';
import { streamJobEvents } from '../sse.js';

const params = z.object({ id: z.string().regex(ID_PATTERN, 'not a valid job id') });
const jobStates = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

export const jobView = z.object({
  id: z.string(),
  state: jobStates,
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  attempts: z.number(),
  failure: z
    .object({ attempt: z.number(), maxAttempts: z.number(), retried: z.boolean(), reason: z.string() })
    .optional(),
  progress: trainJobProgressSchema.optional(),
  history: z.array(epochLogSchema),
  error: z.string().optional(),
  modelId: z.string().optional(),
  spec: jobSpecSchema,
});

export default async function jobRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/jobs',
    { schema: { body: jobSpecSchema, response: { 202: jobView } } },
    async (request, reply) => {
      const job = await request.scope.jobs.create(request.body);
      return reply.status(202).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  r.get(
    '/v1/jobs',
    {
      schema: {
        querystring: z.object({
          state: jobStates.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            items: z.array(jobView),
            total: z.number(),
            limit: z.number(),
            offset: z.number(),
          }),
        },
      },
    },
    async (request) => await request.scope.jobs.list(request.query),
  );

  r.get(
    '/v1/jobs/:id',
    { schema: { params, response: { 200: jobView } } },
    async (request) => await request.scope.jobs.get(request.params.id),
  );

  r.post(
    '/v1/jobs/:id/cancel',
    { schema: { params, response: { 200: jobView } } },
    async (request) => await request.scope.jobs.cancel(request.params.id),
  );

  r.get('/v1/jobs/:id/events', { schema: { params } }, async (request, reply) => {
    // Resolve the job first, so an unknown id is a normal 404 problem, not a broken stream.
    await request.scope.jobs.get(request.params.id);
    await streamJobEvents(
      request,
      reply,
      async function* (signal) {
        for await (const ev of request.scope.jobs.watch(request.params.id, signal))
          yield { type: ev.type, data: ev.job };
      },
      '/v1/jobs/:id',
    );
  });
}
