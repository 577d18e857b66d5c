import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotReadyError } from '../../lib/errors.js';
import type { HealthService } from '../health-service.js';

const checkSchema = z.object({ ok: z.boolean(), detail: z.string().optional() });

/** Free space on DATA_DIR; `low` (below DISK_MIN_FREE_BYTES or DISK_MIN_FREE_PERCENT) makes the status `degraded`. */
const diskSchema = z.object({
  freeBytes: z.number(),
  usedBytes: z.number(),
  totalBytes: z.number(),
  freePercent: z.number(),
  minFreeBytes: z.number(),
  minFreePercent: z.number(),
  low: z.boolean(),
});

export default async function healthRoutes(app: FastifyInstance, opts: { health: HealthService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  r.get(
    '/readyz',
    {
      config: { requireApiKey: (request) => (request.query as { deep?: string }).deep === 'true' },
      schema: {
        querystring: z.object({ deep: z.enum(['true', 'false']).optional() }),
        response: {
          200: z.object({
            status: z.enum(['ready', 'degraded']),
            checks: z.record(z.string(), checkSchema),
            disk: diskSchema.optional(),
            backend: z
              .object({
                name: z.string(),
                package: z.string(),
                version: z.string(),
                gpu: z.boolean(),
                /** Threads one kernel runs on in the API process (wasm: XNNPACK's pool). */
                threads: z.number().int().positive(),
              })
              .optional(),
          }),
        },
      },
    },
    async (request) => {
      const report = await opts.health.readiness({ deep: request.query.deep === 'true' });
      if (!report.ready) {
        const failing = Object.entries(report.checks)
          .filter(([, c]) => !c.ok)
          .map(([name, c]) => ({ path: name, message: c.detail ?? 'failing' }));
        throw new NotReadyError('Failing: ' + failing.map((f) => `${f.path} (${f.message})`).join(', '), {
          errors: failing,
          extra: { checks: report.checks },
        });
      }
      return {
        status: report.degraded ? ('degraded' as const) : ('ready' as const),
        checks: report.checks,
        disk: report.disk,
        backend: report.backend,
      };
    },
  );
}
