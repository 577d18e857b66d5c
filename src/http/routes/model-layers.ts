import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BaseModelService } from '../../base-models/base-model-service.js';
import { layerListingSchema } from './base-models.js';

/** A trained model is also a base (`base: { modelId }`), so its layers are listed the same way. */
export default async function modelLayerRoutes(app: FastifyInstance, opts: { baseModels: BaseModelService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/models/:id/layers',
    { schema: { params: z.object({ id: z.string() }), response: { 200: layerListingSchema } } },
    async (request) => opts.baseModels.modelLayers(request.params.id),
  );
}
