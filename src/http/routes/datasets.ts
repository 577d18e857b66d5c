import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { versionRequestSchema } from '../../contracts/audit.js';
import { uploadParts, type UploadLimits } from '../plugins/multipart.js';
import { declaredBytes, refuseWithoutRoom } from '../upload-room.js';
import {
  datasetParams,
  datasetSchema,
  exampleParams,
  examplesQuery,
  imageExampleSchema,
  listQuery,
  pageOf,
  tabularRowSchema,
  textExampleSchema,
} from './dataset-schemas.js';

type DatasetRoutesOptions = { uploads: UploadLimits; dataDir: string };

/** The dataset routes, by concern: uploading, reading, deriving versions and deleting. */
export default async function datasetRoutes(app: FastifyInstance, opts: DatasetRoutesOptions) {
  await app.register(datasetUploadRoutes, opts);
  await app.register(datasetReadRoutes, opts);
  await app.register(datasetChangeRoutes, opts);
}

/** Uploading a dataset as multipart, refused before its body when DATA_DIR lacks the room. */
async function datasetUploadRoutes(app: FastifyInstance, opts: DatasetRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/datasets',
    {
      schema: { tags: ['datasets'], response: { 201: datasetSchema } },
      onRequest: refuseWithoutRoom('the dataset upload', opts.dataDir),
    },
    async (request, reply) => {
      const bytesNeeded = declaredBytes(request);
      const manifest = await request.scope.datasets.create(
        uploadParts(request, opts.uploads),
        bytesNeeded === undefined ? {} : { bytesNeeded },
      );
      return reply.status(201).header('location', `/v1/datasets/${manifest.id}`).send(manifest);
    },
  );
}

/** Listing datasets, reading one, its examples, and one example's file. */
async function datasetReadRoutes(app: FastifyInstance, _opts: DatasetRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/datasets',
    { schema: { tags: ['datasets'], querystring: listQuery, response: { 200: pageOf(datasetSchema) } } },
    async (request) => request.scope.datasets.list(request.query.limit, request.query.offset),
  );

  r.get(
    '/v1/datasets/:id',
    { schema: { tags: ['datasets'], params: datasetParams, response: { 200: datasetSchema } } },
    async (request) => request.scope.datasets.get(request.params.id),
  );

  r.get(
    '/v1/datasets/:id/examples',
    {
      schema: {
        tags: ['datasets'],
        params: datasetParams,
        querystring: examplesQuery,
        response: { 200: pageOf(z.union([imageExampleSchema, tabularRowSchema, textExampleSchema])) },
      },
    },
    async (request) => request.scope.datasets.examples(request.params.id, request.query),
  );

  r.get(
    '/v1/datasets/:id/examples/:exampleId',
    { schema: { tags: ['datasets'], params: exampleParams } },
    async (request, reply) => {
      const file = await request.scope.datasets.exampleFile(request.params.id, request.params.exampleId);
      return reply
        .type(file.contentType)
        .header('content-length', String(file.bytes))
        .header('cache-control', 'private, max-age=86400, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(file.path));
    },
  );
}

/** Deriving a new version of a dataset, and deleting one. */
async function datasetChangeRoutes(app: FastifyInstance, _opts: DatasetRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/datasets/:id/versions',
    {
      schema: {
        tags: ['datasets'],
        params: datasetParams,
        body: versionRequestSchema,
        response: { 201: datasetSchema },
      },
    },
    async (request, reply) => {
      const manifest = await request.scope.datasets.createVersion(request.params.id, request.body);
      return reply.status(201).header('location', `/v1/datasets/${manifest.id}`).send(manifest);
    },
  );

  r.delete(
    '/v1/datasets/:id',
    { schema: { tags: ['datasets'], params: datasetParams } },
    async (request, reply) => {
      await request.scope.datasets.remove(request.params.id);
      return reply.status(204).send();
    },
  );
}
