import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userNameSchema } from '../../contracts/user-names.js';
import { imagePreprocessingSchema } from '../../contracts/preprocessing.js';
import { ValidationError } from '../../lib/errors.js';
import { declaredBytes, refuseWithoutRoom } from '../upload-room.js';
import { uploadParts, type UploadLimits } from '../plugins/multipart.js';

const dim = z.number().int().nullable();

export const layerSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  className: z.string(),
  outputShape: z.union([z.array(dim), z.array(z.array(dim))]),
  params: z.number().int(),
  trainable: z.boolean(),
  inbound: z.array(z.string()),
});

const paramsSchema = z.object({
  total: z.number().int(),
  trainable: z.number().int(),
  nonTrainable: z.number().int(),
});

export const layerListingSchema = z.object({
  id: z.string(),
  params: paramsSchema,
  recommendedCutAt: z.string().nullable(),
  layers: z.array(layerSchema),
  frozenFeatureExtractor: z.boolean().optional(),
  note: z.string().optional(),
});

const tensorSchema = z.object({ name: z.string(), shape: z.array(dim) });

export const baseModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('upload'), files: z.array(z.string()) }),
    z.object({ kind: z.literal('url'), url: z.string() }),
    z.object({ kind: z.literal('catalog'), catalog: z.string(), url: z.string().nullable() }),
  ]),
  format: z.enum(['layers-model', 'graph-model']),
  generatedBy: z.string().nullable(),
  convertedBy: z.string().nullable(),
  inputShape: z.array(dim),
  outputShape: z.array(dim),
  inputs: z.array(tensorSchema),
  outputs: z.array(tensorSchema),
  layerCount: z.number().int(),
  params: paramsSchema,
  sizeBytes: z.number().int(),
  files: z.array(z.string()),
  quantization: z.array(z.string()),
  preprocessing: z.object({ kind: z.literal('image'), image: imagePreprocessingSchema }).nullable(),
  recommendedCutAt: z.string().nullable(),
  encoder: z
    .object({
      kind: z.literal('sentence-encoder'),
      dimension: z.number().int(),
      maxTokens: z.number().int(),
      vocabularySize: z.number().int(),
      package: z.object({ name: z.string(), version: z.string() }).nullable(),
    })
    .optional(),
});

const catalogEntrySchema = z.object({
  name: z.string(),
  description: z.string(),
  kind: z.enum(['layers-model', 'sentence-encoder']),
  url: z.string().nullable(),
  offline: z.boolean(),
  inputShape: z.array(z.number().int()),
  preprocessing: imagePreprocessingSchema.nullable(),
  recommendedCutAt: z.string().nullable(),
  recommendedFineTuneFrom: z.string().nullable(),
  license: z.string(),
  trainedOn: z.string(),
});

/**
 * JSON registration: exactly one of `url` or `catalog`. Multipart uploads carry no JSON body, so
 * the body may be absent (null) here and the handler insists on one of the two forms.
 */
const registerBodySchema = z
  .object({
    url: z.string().max(4096).optional(),
    catalog: z.string().max(200).optional(),
    name: userNameSchema(200).optional(),
    preprocessing: imagePreprocessingSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.url === undefined) === (b.catalog === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url or catalog' });
    }
    if (b.catalog !== undefined && b.preprocessing !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['preprocessing'],
        message: 'catalog models come with their preprocessing',
      });
    }
  });

const idParams = z.object({ id: z.string() });
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

type BaseModelRoutesOptions = { uploads: UploadLimits; dataDir: string };

/** The base model routes, by concern: registering one, and reading or deleting those registered. */
export default async function baseModelRoutes(app: FastifyInstance, opts: BaseModelRoutesOptions) {
  await app.register(baseModelRegisterRoutes, opts);
  await app.register(baseModelReadRoutes, opts);
}

/** Registering a base model: uploaded files, a URL, or a catalog entry. */
async function baseModelRegisterRoutes(app: FastifyInstance, opts: BaseModelRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/base-models',
    {
      schema: { body: registerBodySchema.nullish(), response: { 201: baseModelSchema } },
      onRequest: refuseWithoutRoom('the base model upload', opts.dataDir),
    },
    async (request, reply) => {
      let meta;
      if (request.isMultipart()) {
        const bytesNeeded = declaredBytes(request);
        meta = await request.scope.baseModels.registerUpload(
          uploadParts(request, opts.uploads),
          bytesNeeded === undefined ? {} : { bytesNeeded },
        );
      } else if (request.body?.url !== undefined) {
        meta = await request.scope.baseModels.registerUrl({
          url: request.body.url,
          name: request.body.name,
          preprocessing: request.body.preprocessing,
        });
      } else if (request.body?.catalog !== undefined) {
        meta = await request.scope.baseModels.registerCatalog({
          catalog: request.body.catalog,
          name: request.body.name,
        });
      } else {
        throw new ValidationError(
          'send multipart files (model.json + shards, or one zip) or a JSON body with url or catalog',
          { errors: [{ path: 'body', message: 'required' }] },
        );
      }
      return reply.status(201).header('location', `/v1/base-models/${meta.id}`).send(meta);
    },
  );
}

/** Listing base models and the catalog, reading one and its layers, and deleting one. */
async function baseModelReadRoutes(app: FastifyInstance, _opts: BaseModelRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/base-models',
    {
      schema: {
        querystring: pageQuery,
        response: {
          200: z.object({
            items: z.array(baseModelSchema),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
    },
    async (request) => request.scope.baseModels.list(request.query.limit, request.query.offset),
  );

  r.get(
    '/v1/base-models/catalog',
    { schema: { response: { 200: z.object({ items: z.array(catalogEntrySchema) }) } } },
    async (request) => ({ items: request.scope.baseModels.catalog() }),
  );

  r.get(
    '/v1/base-models/:id',
    { schema: { params: idParams, response: { 200: baseModelSchema } } },
    async (request) => request.scope.baseModels.get(request.params.id),
  );

  r.get(
    '/v1/base-models/:id/layers',
    { schema: { params: idParams, response: { 200: layerListingSchema } } },
    async (request) => request.scope.baseModels.layers(request.params.id),
  );

  r.delete(
    '/v1/base-models/:id',
    { schema: { params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await request.scope.baseModels.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );
}
