import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectScope, ProjectScopes } from '../project-scope.js';
import { outcomeOf, type AuditEntry, type AuditLogStore } from '../../projects/audit-log.js';
import type { QuotaGuard } from '../../projects/quota-guard.js';
import { declaredBytes } from '../upload-room.js';

/**
 * The per-project request hooks, in order after the auth plugin's: the caller's project's
 * services (`request.scope`), its quotas, and the audit log of state-changing requests.
 */

/** Routes that store more in the project: refused at the stored-bytes quota. */
const STORING = new Set([
  'POST /v1/datasets',
  'POST /v1/datasets/:id/versions',
  'POST /v1/datasets/:id/audits',
  'POST /v1/base-models',
  'POST /v1/jobs',
  'POST /v1/advisor',
  'POST /v1/models/:id/retrain',
  'POST /v1/batch-predictions',
]);

/** Routes that predict: counted against the predictions-per-second quota. */
const PREDICTING = new Set([
  'POST /v1/models/:id/predict',
  'POST /v2/models/:name/infer',
  'POST /v2/models/:name/versions/:version/infer',
]);

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** POSTs that only read: not in the audit log. */
const READING_POSTS = new Set(['POST /v1/models/compare']);

export function registerProjectHooks(
  app: FastifyInstance,
  deps: { scopes: ProjectScopes; quotas: QuotaGuard; audit: AuditLogStore },
): void {
  app.decorateRequest('scope', null as unknown as ProjectScope);
  app.addHook('onRequest', async (request) => {
    if (!request.principal) return;
    request.scope = await deps.scopes.get(request.principal.project);
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (STORING.has(route)) {
      const incoming = request.isMultipart() ? (declaredBytes(request) ?? 0) : 0;
      await deps.quotas.checkStorage(request.principal.project, incoming);
    }
    if (PREDICTING.has(route)) await deps.quotas.checkPredict(request.principal.project);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.principal || !CHANGING.has(request.method)) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    // Predicting and comparing change nothing (and predictions come by the thousand a second).
    if (PREDICTING.has(route) || READING_POSTS.has(route)) return;
    deps.quotas.forget(request.principal.project);
    const entry = auditEntry(request, reply.statusCode, reply.getHeader('location'));
    request.log.info({ audit: entry }, 'audit');
    // Not awaited: the response is already sent, and the request's own log line need not wait.
    void deps.audit.append(entry).catch((err: unknown) => {
      request.log.warn({ err, audit: entry }, 'audit log entry could not be stored');
    });
  });
}

function auditEntry(request: FastifyRequest, status: number, location: unknown): AuditEntry {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const named = params['id'] ?? params['name'];
  // A created object is named by its Location: /v1/datasets/ds_… -> ds_…
  const created = typeof location === 'string' ? location.split('/').pop() : undefined;
  const objectId = typeof named === 'string' ? named : created;
  return {
    at: new Date().toISOString(),
    keyId: request.principal.keyId,
    project: request.principal.project,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
    ...(objectId ? { objectId } : {}),
    status,
    outcome: outcomeOf(status),
  };
}
