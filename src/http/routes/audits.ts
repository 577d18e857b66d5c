import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditProgressSchema, auditRequestSchema } from '../../contracts/audit.js';
import { ID_PATTERN } from '../../contracts/id-pattern.js';
import { streamJobEvents } from '../sse.js';

const params = z.object({ id: z.string().regex(ID_PATTERN, 'not a valid audit id') });
const datasetParams = z.object({ id: z.string().regex(ID_PATTERN, 'not a valid dataset id') });
const baseRef = z.union([z.object({ baseModelId: z.string() }), z.object({ modelId: z.string() })]);
const split = z.enum(['train', 'validation', 'test']);
const interval = z.object({
  low: z.number(),
  high: z.number(),
  level: z.number(),
  method: z.enum(['wilson', 'bootstrap']),
});
const estimate = z.object({ value: z.number(), interval, examples: z.number() });

const finding = z.object({
  kind: z.enum(['label', 'duplicate', 'leak', 'outlier']),
  exampleId: z.string(),
  label: z.string(),
  split,
  score: z.number(),
  reason: z.string(),
  action: z.enum(['relabel', 'exclude', 'review']),
  suggestedLabel: z.string().optional(),
  pair: z.object({ exampleId: z.string(), label: z.string(), split, similarity: z.number() }).optional(),
  exact: z.boolean().optional(),
  conflict: z.boolean().optional(),
});

export const auditView = z.object({
  id: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  datasetId: z.string(),
  base: baseRef.nullable(),
  progress: auditProgressSchema.optional(),
  error: z.string().optional(),
  modality: z.enum(['image', 'text', 'tabular']).optional(),
  features: z.object({ base: baseRef.nullable(), cutAt: z.string().nullable(), dim: z.number() }).optional(),
  folds: z.number().optional(),
  repeats: z.number().optional(),
  nearDuplicateThreshold: z.number().optional(),
  outlierThreshold: z.number().optional(),
  summary: z
    .object({
      examples: z.number(),
      counts: z.object({
        label: z.number(),
        duplicate: z.number(),
        leak: z.number(),
        outlier: z.number(),
        conflict: z.number(),
      }),
      flaggedExamples: z.number(),
      accuracy: estimate,
      accuracyWithoutFlagged: estimate.nullable(),
    })
    .optional(),
  classes: z
    .array(
      z.object({
        name: z.string(),
        examples: z.number(),
        recall: z.number(),
        recallInterval: interval,
        inseparable: z.boolean(),
      }),
    )
    .optional(),
  dataset: z
    .array(
      z.object({
        kind: z.enum(['imbalance', 'inseparable', 'too-small', 'too-large', 'few-examples']),
        message: z.string(),
        items: z.array(z.string()),
      }),
    )
    .optional(),
  findings: z.array(finding).optional(),
  warnings: z.array(z.string()).optional(),
  durationMs: z.number().optional(),
});

export default async function auditRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/datasets/:id/audits',
    { schema: { params: datasetParams, body: auditRequestSchema, response: { 202: auditView } } },
    async (request, reply) => {
      const audit = await request.scope.audits.create(request.params.id, request.body);
      return reply.status(202).header('location', `/v1/audits/${audit.id}`).send(audit);
    },
  );

  r.get(
    '/v1/audits/:id',
    { schema: { params, response: { 200: auditView } } },
    async (request) => await request.scope.audits.get(request.params.id),
  );

  r.post(
    '/v1/audits/:id/cancel',
    { schema: { params, response: { 200: auditView } } },
    async (request) => await request.scope.audits.cancel(request.params.id),
  );

  r.get('/v1/audits/:id/events', { schema: { params } }, async (request, reply) => {
    await request.scope.audits.get(request.params.id);
    await streamJobEvents(
      request,
      reply,
      async function* (signal) {
        for await (const ev of request.scope.audits.watch(request.params.id, signal))
          yield { type: ev.type, data: ev.audit };
      },
      '/v1/audits/:id',
    );
  });
}
