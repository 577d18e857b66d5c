import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BatchService } from '../../batch/batch-service.js';
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

type BatchRoutesOptions = { batches: BatchService; uploads: UploadLimits };

/** The batch prediction routes, by concern: submitting, following and managing, reading the results. */
export default async function batchPredictionRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  await app.register(batchSubmitRoutes, opts);
  await app.register(batchStateRoutes, opts);
  await app.register(batchResultRoutes, opts);
}

/** Submitting a batch: an uploaded file of inputs (multipart), or a stored dataset (JSON). */
async function batchSubmitRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { batches } = opts;

  r.post(
    '/v1/batch-predictions',
    // Absent (null) for multipart requests, whose parts are read in the handler.
    { schema: { body: batchRequestSchema.nullish(), response: { 202: batchView } } },
    async (request, reply) => {
      let batch;
      if (request.isMultipart()) {
        batch = await batches.createFromUpload(uploadParts(request, opts.uploads));
      } else {
        if (!request.body) {
          throw new ValidationError(
            'send the inputs as multipart (file, modelId), or JSON { "modelId", "input": { "datasetId" } }',
            { errors: [{ path: 'body', message: 'required' }] },
          );
        }
        batch = await batches.create(request.body);
      }
      return reply.status(202).header('location', `/v1/batch-predictions/${batch.id}`).send(batch);
    },
  );
}

/** Listing batches, reading one, deleting one and cancelling one. */
async function batchStateRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { batches } = opts;

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
    async (request) => await batches.list(request.query),
  );

  r.get(
    '/v1/batch-predictions/:id',
    { schema: { params, response: { 200: batchView } } },
    async (request) => await batches.get(request.params.id),
  );

  r.delete('/v1/batch-predictions/:id', { schema: { params } }, async (request, reply) => {
    await batches.remove(request.params.id);
    return reply.status(204).send();
  });

  r.post(
    '/v1/batch-predictions/:id/cancel',
    { schema: { params, response: { 200: batchView } } },
    async (request) => await batches.cancel(request.params.id),
  );
}

/** A batch's results file (JSONL or CSV), and its progress as server-sent events. */
async function batchResultRoutes(app: FastifyInstance, opts: BatchRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { batches } = opts;

  r.get(
    '/v1/batch-predictions/:id/results',
    {
      schema: {
        params,
        querystring: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }),
      },
    },
    async (request, reply) => {
      const file = await batches.results(request.params.id, request.query.format);
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(createReadStream(file.path));
    },
  );

  r.get('/v1/batch-predictions/:id/events', { schema: { params } }, async (request, reply) => {
    await batches.get(request.params.id);
    await streamJobEvents(
      request,
      reply,
      async function* (signal) {
        for await (const ev of batches.watch(request.params.id, signal))
          yield { type: ev.type, data: ev.batch };
      },
      '/v1/batch-predictions/:id',
    );
  });
}
