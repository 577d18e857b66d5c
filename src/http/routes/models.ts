import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allowModel } from '../model-access.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import { ValidationError } from '../../lib/errors.js';
import { uploadParts, type UploadLimits } from '../plugins/multipart.js';
import { modelNameSchema } from '../../contracts/model-name.js';
import { modelMetaSchema, modelSummarySchema, outOfFoldPageSchema } from '../../models/model-schemas.js';
import type { PredictInput } from '../../serving/instances.js';

export interface ModelRoutesOptions {
  /** Limits of multipart predict requests (see src/http/plugins/multipart.ts). */
  uploads: UploadLimits;
  config: Pick<
    Config,
    'PREDICT_MAX_INSTANCES' | 'PREDICT_MAX_IMAGE_BYTES' | 'LOG_LEVEL' | 'PREDICT_LOG_LEVEL'
  >;
}

/** `:id` takes a model id or a model name (newest version, or `?version=`); DELETE takes ids only. */
const params = z.object({ id: z.string().min(1).max(128) });
const version = z.coerce.number().int().min(1).max(1_000_000_000).optional();
const topK = z.coerce.number().int().min(1).max(1000);

/** A request's own "unknown" rule (README "Is this one of my classes?"). */
const unknownThreshold = z.coerce.number().min(0).max(2);
const acceptRate = z.coerce.number().gt(0).max(1);

const scored = z.object({ label: z.string(), score: z.number() });
const predictionSchema = z.union([
  scored.extend({ topK: z.array(scored), novelty: z.number().optional(), unknown: z.boolean() }),
  z.object({ value: z.union([z.number(), z.array(z.number())]) }),
]);
const predictResponse = z.object({
  model: z.object({ id: z.string(), name: z.string().nullable(), version: z.number().int().nullable() }),
  predictions: z.array(predictionSchema),
});

/** The model routes, by concern: reading models, their files, and predicting with them. */
export default async function modelRoutes(app: FastifyInstance, opts: ModelRoutesOptions) {
  await app.register(modelReadRoutes, opts);
  await app.register(modelFileRoutes, opts);
  await app.register(predictRoutes, opts);
}

/** Listing models, one model's metadata, and its out-of-fold evaluation predictions. */
async function modelReadRoutes(app: FastifyInstance, _opts: ModelRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/models',
    {
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          offset: z.coerce.number().int().min(0).default(0),
          name: modelNameSchema.optional(),
        }),
        response: {
          200: z.object({
            items: z.array(modelSummarySchema),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
    },
    async (request) => request.scope.models.list(request.query),
  );

  r.get(
    '/v1/models/:id',
    { schema: { params, querystring: z.object({ version }), response: { 200: modelMetaSchema } } },
    async (request) => ({ ...(await request.scope.models.get(request.params.id, request.query.version)) }),
  );

  r.get(
    '/v1/models/:id/evaluation/predictions',
    {
      schema: {
        params,
        querystring: z.object({
          version,
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: outOfFoldPageSchema },
      },
    },
    async (request) => {
      const { version: v, limit, offset } = request.query;
      return request.scope.models.predictions(request.params.id, {
        limit,
        offset,
        ...(v === undefined ? {} : { version: v }),
      });
    },
  );
}

/** Deleting a model, and downloading one as a zip. */
async function modelFileRoutes(app: FastifyInstance, _opts: ModelRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.delete('/v1/models/:id', { schema: { params } }, async (request, reply) => {
    await request.scope.models.delete(request.params.id);
    return reply.code(204).send();
  });

  r.get(
    '/v1/models/:id/download',
    { schema: { params, querystring: z.object({ version }) } },
    async (request, reply) => {
      const { filename, stream } = await request.scope.models.download(
        request.params.id,
        request.query.version,
      );
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(stream);
    },
  );
}

/** Predicting with a model: JSON instances or multipart image files. */
async function predictRoutes(app: FastifyInstance, opts: ModelRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { config } = opts;

  r.post(
    '/v1/models/:id/predict',
    {
      // The hot route: no per-request access log by default (PREDICT_LOG_LEVEL); errors still are.
      logLevel: moreSevere(config.LOG_LEVEL, config.PREDICT_LOG_LEVEL),
      schema: {
        params,
        querystring: z.object({
          version,
          topK: topK.optional(),
          unknownThreshold: unknownThreshold.optional(),
          acceptRate: acceptRate.optional(),
        }),
        // Absent (null) for multipart requests, whose parts are read in the handler.
        body: z
          .object({
            instances: z.array(z.unknown()),
            topK: z.number().int().min(1).max(1000).optional(),
            unknownThreshold: z.number().min(0).max(2).optional(),
            acceptRate: z.number().gt(0).max(1).optional(),
          })
          .nullish(),
        response: { 200: predictResponse },
      },
    },
    async (request) => {
      const {
        input,
        topK: k,
        unknown,
      } = await predictInput(request, request.query, request.body, opts.uploads);
      return request.scope.predictions.predict({
        idOrName: request.params.id,
        ...(request.query.version === undefined ? {} : { version: request.query.version }),
        ...(k === undefined ? {} : { topK: k }),
        ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
        input,
        allow: allowModel(request.principal),
      });
    },
  );
}

const SEVERITY = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/** A route's level only ever quiets it: LOG_LEVEL=error must not let its warnings through. */
export function moreSevere(a: Config['LOG_LEVEL'], b: Config['LOG_LEVEL']): Config['LOG_LEVEL'] {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

type Override = { threshold?: number; acceptRate?: number };

/** A multipart field of the "unknown" rule, checked like its JSON twin. */
function overrideField(field: 'unknownThreshold' | 'acceptRate', value: unknown): Override {
  const parsed = (field === 'acceptRate' ? acceptRate : unknownThreshold).safeParse(value);
  if (!parsed.success) {
    const range = field === 'acceptRate' ? 'a number in (0, 1]' : 'a number from 0 to 2';
    throw new ValidationError(`${field} must be ${range}`, {
      errors: [{ path: field, message: `expected ${range}` }],
    });
  }
  return field === 'acceptRate' ? { acceptRate: parsed.data } : { threshold: parsed.data };
}

/** The "unknown" rule's fields that a query or a JSON body sets. */
function overridesOf(fields: { unknownThreshold?: number; acceptRate?: number }): Override {
  return {
    ...(fields.unknownThreshold === undefined ? {} : { threshold: fields.unknownThreshold }),
    ...(fields.acceptRate === undefined ? {} : { acceptRate: fields.acceptRate }),
  };
}

/**
 * What a predict request scores, and its topK and "unknown" rule: those of the query, each
 * overridden by the JSON body's or the multipart form's own.
 */
async function predictInput(
  request: FastifyRequest,
  query: { topK?: number; unknownThreshold?: number; acceptRate?: number },
  body:
    | { instances: unknown[]; topK?: number; unknownThreshold?: number; acceptRate?: number }
    | null
    | undefined,
  limits: UploadLimits,
): Promise<{ input: PredictInput; topK: number | undefined; unknown: Override }> {
  if (request.isMultipart()) {
    const form = await readImages(request, limits);
    return {
      input: { kind: 'images', images: form.images },
      topK: form.topK ?? query.topK,
      unknown: { ...overridesOf(query), ...form.unknown },
    };
  }
  if (!body) {
    throw new ValidationError('send JSON { "instances": [...] } or multipart image files', {
      errors: [{ path: 'body', message: 'required' }],
    });
  }
  return {
    input: { kind: 'json', instances: body.instances },
    topK: body.topK ?? query.topK,
    unknown: { ...overridesOf(query), ...overridesOf(body) },
  };
}

/** Every file part is an image instance, in order; `topK` and the "unknown" fields may ride along. */
async function readImages(
  request: FastifyRequest,
  limits: UploadLimits,
): Promise<{
  images: Array<{ path: string; filename?: string; data: Buffer }>;
  topK?: number;
  unknown: Override;
}> {
  const images: Array<{ path: string; filename?: string; data: Buffer }> = [];
  let unknown: Override = {};
  let k: number | undefined;
  for await (const part of uploadParts(request, limits)) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.stream) chunks.push(chunk as Buffer);
      images.push({ path: `files[${images.length}]`, filename: part.filename, data: Buffer.concat(chunks) });
    } else if (part.field === 'topK') {
      const parsed = topK.safeParse(part.value);
      if (!parsed.success) {
        throw new ValidationError('topK must be an integer from 1 to 1000', {
          errors: [{ path: 'topK', message: 'expected an integer from 1 to 1000' }],
        });
      }
      k = parsed.data;
    } else if (part.field === 'unknownThreshold' || part.field === 'acceptRate') {
      unknown = { ...unknown, ...overrideField(part.field, part.value) };
    }
  }
  return { images, unknown, ...(k === undefined ? {} : { topK: k }) };
}
