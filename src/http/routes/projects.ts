import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { keyIdSchema, roleSchema } from '../../contracts/project.js';
import type { KeyRing } from '../../projects/key-ring.js';
import type { AuditLogStore } from '../../projects/audit-log.js';

/**
 * Who the caller is, an admin's keys of its project, and its audit log (README "Projects and
 * keys").
 */

const meSchema = z.object({
  keyId: z.string(),
  project: z.string(),
  roles: z.array(roleSchema),
  models: z.array(z.string()).optional(),
  /** False when the service has no keys at all (open on localhost). */
  authenticated: z.boolean(),
});

const keyView = z.object({
  id: z.string(),
  project: z.string(),
  roles: z.array(roleSchema),
  models: z.array(z.string()).optional(),
  source: z.enum(['env', 'file', 'runtime']),
  createdAt: z.string().optional(),
  createdBy: z.string().optional(),
});

const createKeyBody = z.strictObject({
  id: keyIdSchema,
  roles: z.array(roleSchema).min(1),
  /** Model names or ids a predict key may use; absent: every model of the project. */
  models: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
});

const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  keyId: z.string(),
  project: z.string(),
  method: z.string(),
  route: z.string(),
  objectId: z.string().optional(),
  status: z.number().int(),
  outcome: z.enum(['ok', 'refused', 'failed']),
});

export default async function projectRoutes(
  app: FastifyInstance,
  opts: { keys: KeyRing; audit: AuditLogStore },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { keys, audit } = opts;

  r.get(
    '/v1/audit-log',
    {
      schema: {
        tags: ['keys'],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z
            .string()
            .regex(/^\d{1,20}-\d{1,20}$/, 'an entry id from an earlier page')
            .optional(),
        }),
        response: { 200: z.object({ items: z.array(auditEntrySchema), next: z.string().optional() }) },
      },
    },
    async (request) =>
      audit.page(request.principal.project, {
        limit: request.query.limit,
        ...(request.query.before ? { before: request.query.before } : {}),
      }),
  );

  r.get('/v1/me', { schema: { tags: ['keys'], response: { 200: meSchema } } }, async (request) => ({
    keyId: request.principal.keyId,
    project: request.principal.project,
    roles: [...request.principal.roles],
    ...(request.principal.models ? { models: [...request.principal.models] } : {}),
    authenticated: keys.enabled,
  }));

  r.post(
    '/v1/keys',
    {
      schema: { tags: ['keys'], body: createKeyBody, response: { 201: keyView.extend({ key: z.string() }) } },
    },
    async (request, reply) => {
      const created = await keys.create(request.principal, request.body);
      return reply
        .status(201)
        .header('location', `/v1/keys/${created.id}`)
        .header('cache-control', 'no-store')
        .send(created);
    },
  );

  r.get(
    '/v1/keys',
    { schema: { tags: ['keys'], response: { 200: z.object({ items: z.array(keyView) }) } } },
    async (request) => ({ items: await keys.list(request.principal.project) }),
  );

  r.delete(
    '/v1/keys/:id',
    { schema: { tags: ['keys'], params: z.object({ id: keyIdSchema }) } },
    async (request, reply) => {
      await keys.revoke(request.principal.project, request.params.id);
      return reply.status(204).send();
    },
  );
}
