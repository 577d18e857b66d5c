import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayPredictWith } from '../../contracts/project.js';
import { allowModel } from '../model-access.js';
import { NotFoundError } from '../../lib/errors.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ID_PATTERN } from '../../contracts/id-pattern.js';
import { ValidationError } from '../../lib/errors.js';
import { uploadParts, type UploadLimits } from '../plugins/multipart.js';
import { streamJobEvents } from '../sse.js';

const params = z.object({ id: z.string().regex(ID_PATTERN, 'not a valid batch prediction id') });
const stateSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

export const batchView = z.object({
  id: z.string(),
  state: stateSchema,
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  attempts: z.number().int(),
  failure: z
    .object({ attempt: z.number(), maxAttempts: z.number(), retried: z.boolean(), reason: z.string() })
    .optional(),
  modelId: z.string(),
  topK: z.number().int(),
  input: z.union([
    z.object({
      kind: z.literal('upload'),
      uploadId: z.string(),
      format: z.enum(['zip', 'jsonl', 'csv']),
      filename: z.string(),
      bytes: z.number().int(),
    }),
    z.object({ kind: z.literal('dataset'), datasetId: z.string() }),
  ]),
  progress: z
    .object({
      phase: z.enum(['scoring', 'publishing', 'done']),
      processed: z.number().int(),
      total: z.number().int().optional(),
      errors: z.number().int(),
      inputsPerSec: z.number().optional(),
    })
    .optional(),
  counts: z
    .object({ total: z.number().int(), succeeded: z.number().int(), errors: z.number().int() })
    .optional(),
  run: z
    .object({ scoringSeconds: z.number(), inputsPerSec: z.number(), peakRssBytes: z.number().int() })
    .optional(),
  results: z.object({ jsonl: z.string(), csv: z.string() }).optional(),
  error: z.string().optional(),
});

export const batchRequestSchema = z.object({
  modelId: z.string().min(1).max(128),
  version: z.number().int().min(1).max(1_000_000_000).optional(),
  topK: z.number().int().min(1).max(1000).optional(),
  input: z.union([
    z.object({ uploadId: z.string().regex(ID_PATTERN, 'not a valid upload id') }).strict(),
    z.object({ datasetId: z.string().regex(ID_PATTERN, 'not a valid dataset id') }).strict(),
  ]),
});

type BatchRoutesOptions = { uploads: UploadLimits };

/** The batch prediction routes, by concern: submitting, following and managing, reading the results. */
export default async function batchPredictionRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  await app.register(batchSubmitRoutes, opts);
  await app.register(batchStateRoutes, opts);
  await app.register(batchResultRoutes, opts);
}

/** Submitting a batch: an uploaded file of inputs (multipart), or a stored dataset (JSON). */
async function batchSubmitRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/batch-predictions',
    // Absent (null) for multipart requests, whose parts are read in the handler.
    { schema: { body: batchRequestSchema.nullish(), response: { 202: batchView } } },
    async (request, reply) => {
      let batch;
      if (request.isMultipart()) {
        batch = await request.scope.batches.createFromUpload(
          uploadParts(request, opts.uploads),
          allowModel(request.principal),
        );
      } else {
        if (!request.body) {
          throw new ValidationError(
            'send the inputs as multipart (file, modelId), or JSON { "modelId", "input": { "datasetId" } }',
            { errors: [{ path: 'body', message: 'required' }] },
          );
        }
        batch = await request.scope.batches.create(request.body, allowModel(request.principal));
      }
      return reply.status(202).header('location', `/v1/batch-predictions/${batch.id}`).send(batch);
    },
  );
}

/** Listing batches, reading one, deleting one and cancelling one. */
async function batchStateRoutes(app: FastifyInstance, _opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/batch-predictions',
    {
      schema: {
        querystring: z.object({
          state: stateSchema.optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            items: z.array(batchView),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
    },
    async (request) => {
      if (!request.principal.models) return request.scope.batches.list(request.query);
      // A key limited to some models sees the batches of those models only.
      const all = await request.scope.batches.list({
        ...request.query,
        limit: Number.MAX_SAFE_INTEGER,
        offset: 0,
      });
      const items = [];
      for (const b of all.items) if (await mayUseBatchModel(request, b.modelId)) items.push(b);
      const { limit, offset } = request.query;
      return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
    },
  );

  r.get('/v1/batch-predictions/:id', { schema: { params, response: { 200: batchView } } }, async (request) =>
    visibleBatch(request, request.params.id),
  );

  r.delete('/v1/batch-predictions/:id', { schema: { params } }, async (request, reply) => {
    await request.scope.batches.remove(request.params.id);
    return reply.status(204).send();
  });

  r.post(
    '/v1/batch-predictions/:id/cancel',
    { schema: { params, response: { 200: batchView } } },
    async (request) => {
      await visibleBatch(request, request.params.id);
      return request.scope.batches.cancel(request.params.id);
    },
  );
}

/** A batch's results file (JSONL or CSV), and its progress as server-sent events. */
async function batchResultRoutes(app: FastifyInstance, _opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/batch-predictions/:id/results',
    {
      schema: {
        params,
        querystring: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }),
      },
    },
    async (request, reply) => {
      await visibleBatch(request, request.params.id);
      const file = await request.scope.batches.results(request.params.id, request.query.format);
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(createReadStream(file.path));
    },
  );

  r.get('/v1/batch-predictions/:id/events', { schema: { params } }, async (request, reply) => {
    await visibleBatch(request, request.params.id);
    await streamJobEvents(
      request,
      reply,
      async function* (signal) {
        for await (const ev of request.scope.batches.watch(request.params.id, signal))
          yield { type: ev.type, data: ev.batch };
      },
      '/v1/batch-predictions/:id',
    );
  });
}

/** Whether the caller's key may use the model a batch scored with (a key's model list). */
async function mayUseBatchModel(request: FastifyRequest, modelId: string): Promise<boolean> {
  if (!request.principal.models) return true;
  const meta = await request.scope.registry.get(modelId).catch(() => ({ id: modelId, name: undefined }));
  return mayPredictWith(request.principal, meta);
}

/** The batch, if it exists and the key may use its model: a batch of another model is 404 to a limited key. */
async function visibleBatch(request: FastifyRequest, id: string) {
  const batch = await request.scope.batches.get(id);
  if (!(await mayUseBatchModel(request, batch.modelId)))
    throw new NotFoundError(`batch prediction '${id}' not found`);
  return batch;
}
