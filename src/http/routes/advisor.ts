import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  advisorCandidateSchema,
  advisorProgressSchema,
  advisorRequestSchema,
} from '../../contracts/advisor.js';
import { ID_PATTERN } from '../../contracts/id-pattern.js';
import { streamJobEvents } from '../sse.js';

const params = z.object({ id: z.string().regex(ID_PATTERN, 'not a valid advisor run id') });
const baseRef = z.union([z.object({ baseModelId: z.string() }), z.object({ modelId: z.string() })]);

const interval = z.object({
  low: z.number(),
  high: z.number(),
  level: z.number(),
  method: z.enum(['wilson', 'bootstrap']),
});
const paired = z.object({
  mean: z.number(),
  low: z.number(),
  high: z.number(),
  level: z.number(),
  pValue: z.number(),
  tied: z.boolean(),
});

const rankingEntry = z.object({
  rank: z.number(),
  base: baseRef,
  baseName: z.string().nullable(),
  cutAt: z.string(),
  accuracy: z.number(),
  accuracyInterval: interval,
  examples: z.number(),
  accuracyStd: z.number(),
  differenceToPick: paired.nullable(),
  logME: z.number(),
  knnAccuracy: z.number(),
  knnInterval: interval,
  chance: z.number(),
  atChance: z.boolean(),
  msPerExample: z.number(),
  featureDim: z.number(),
  params: z.number(),
  modelBytes: z.number(),
  spec: z.record(z.string(), z.unknown()),
});

export const advisorView = z.object({
  id: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  datasetId: z.string(),
  candidates: z.array(advisorCandidateSchema),
  progress: advisorProgressSchema.optional(),
  error: z.string().optional(),
  examples: z.number().optional(),
  classes: z.array(z.string()).optional(),
  folds: z.number().optional(),
  repeats: z.number().optional(),
  ranking: z.array(rankingEntry).optional(),
  recommendation: z
    .object({
      pick: z.object({ base: baseRef, cutAt: z.string() }).nullable(),
      fineTune: z.boolean(),
      spec: z.record(z.string(), z.unknown()).nullable(),
      reason: z.string(),
      alternative: z.object({ base: baseRef, cutAt: z.string(), reason: z.string() }).nullable(),
      expected: z
        .object({
          accuracy: z.number(),
          accuracyInterval: interval,
          examples: z.number(),
          folds: z.number(),
        })
        .nullable()
        .describe(
          "what the pick's own spec (frozen) reaches out of fold: its head trained fold by fold on the first " +
            "repeat; it estimates the job, where the probe's accuracy ranks",
        ),
    })
    .optional(),
  warnings: z.array(z.string()).optional(),
  durationMs: z.number().optional(),
});

export default async function advisorRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/advisor',
    { schema: { body: advisorRequestSchema, response: { 202: advisorView } } },
    async (request, reply) => {
      const run = await request.scope.advisor.create(request.body);
      return reply.status(202).header('location', `/v1/advisor/${run.id}`).send(run);
    },
  );

  r.get(
    '/v1/advisor/:id',
    { schema: { params, response: { 200: advisorView } } },
    async (request) => await request.scope.advisor.get(request.params.id),
  );

  r.post(
    '/v1/advisor/:id/cancel',
    { schema: { params, response: { 200: advisorView } } },
    async (request) => await request.scope.advisor.cancel(request.params.id),
  );

  r.get('/v1/advisor/:id/events', { schema: { params } }, async (request, reply) => {
    await request.scope.advisor.get(request.params.id);
    await streamJobEvents(
      request,
      reply,
      async function* (signal) {
        for await (const ev of request.scope.advisor.watch(request.params.id, signal))
          yield { type: ev.type, data: ev.run };
      },
      '/v1/advisor/:id',
    );
  });
}
