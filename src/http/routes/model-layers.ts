import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { layerListingSchema } from './base-models.js';

/** A trained model is also a base (`base: { modelId }`), so its layers are listed the same way. */
export default async function modelLayerRoutes(app: FastifyInstance, _opts: unknown) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/models/:id/layers',
    { schema: { params: z.object({ id: z.string() }), response: { 200: layerListingSchema } } },
    async (request) => request.scope.baseModels.modelLayers(request.params.id),
  );
}
