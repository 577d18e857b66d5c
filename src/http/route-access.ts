import type { Role } from '../contracts/project.js';

/**
 * The role each API route needs (README "Projects and keys", the roles table), in one place:
 * `any` is any valid key (who am I, server metadata), a list is any one of its roles, and
 * `admin` holds every role. The auth plugin refuses to start when an API route is missing here,
 * so a new route cannot be forgotten; the route-walking test (test/projects/) checks every route
 * of openapi.yaml against its own reading of these rules.
 */
export type Access = 'any' | Role | readonly Role[];

const R = 'read';
const P = 'predict';
const T = 'train';
const A = 'admin';
/** Predicting with a model needs its metadata; a read key may look as well. */
const SEE_MODEL = [R, P] as const;

export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  'GET /v1/me': 'any',

  'POST /v1/datasets': T,
  'GET /v1/datasets': R,
  'GET /v1/datasets/:id': R,
  'DELETE /v1/datasets/:id': A,
  'GET /v1/datasets/:id/examples': R,
  'GET /v1/datasets/:id/examples/:exampleId': R,
  'POST /v1/datasets/:id/versions': T,
  'POST /v1/datasets/:id/audits': T,

  'POST /v1/base-models': T,
  'GET /v1/base-models': R,
  'GET /v1/base-models/catalog': R,
  'GET /v1/base-models/:id': R,
  'DELETE /v1/base-models/:id': A,
  'GET /v1/base-models/:id/layers': R,

  'GET /v1/models': R,
  'GET /v1/models/:id': R,
  'DELETE /v1/models/:id': A,
  'PATCH /v1/models/:id': T,
  'GET /v1/models/:id/layers': R,
  'GET /v1/models/:id/evaluation/predictions': R,
  'GET /v1/models/:id/download': R,
  'POST /v1/models/:id/predict': P,
  'POST /v1/models/compare': R,
  'GET /v1/models/:name/aliases': R,
  'PUT /v1/models/:name/aliases/:alias': T,
  'DELETE /v1/models/:name/aliases/:alias': A,
  'POST /v1/models/:name/promote': T,
  'GET /v1/models/:id/capture': R,
  'DELETE /v1/models/:id/captures': A,
  'GET /v1/models/:id/review': R,
  'POST /v1/models/:id/review/:itemId': T,
  // Dismissing an item is a labelling decision, like labelling it.
  'DELETE /v1/models/:id/review/:itemId': T,
  'GET /v1/models/:id/review/:itemId/input': R,
  'POST /v1/models/:id/retrain': T,

  'POST /v1/jobs': T,
  'GET /v1/jobs': R,
  'GET /v1/jobs/:id': R,
  'GET /v1/jobs/:id/events': R,
  'POST /v1/jobs/:id/cancel': T,

  'POST /v1/advisor': T,
  'GET /v1/advisor/:id': R,
  'GET /v1/advisor/:id/events': R,
  'POST /v1/advisor/:id/cancel': T,

  'GET /v1/audits/:id': R,
  'GET /v1/audits/:id/events': R,
  'POST /v1/audits/:id/cancel': T,

  'POST /v1/batch-predictions': P,
  'GET /v1/batch-predictions': SEE_MODEL,
  'GET /v1/batch-predictions/:id': SEE_MODEL,
  'GET /v1/batch-predictions/:id/results': SEE_MODEL,
  'GET /v1/batch-predictions/:id/events': SEE_MODEL,
  'POST /v1/batch-predictions/:id/cancel': P,
  'DELETE /v1/batch-predictions/:id': A,

  'POST /v1/keys': A,
  'GET /v1/keys': A,
  'DELETE /v1/keys/:id': A,
  'GET /v1/audit-log': A,

  'GET /v2': 'any',
  'GET /v2/models/:name': SEE_MODEL,
  'GET /v2/models/:name/versions/:version': SEE_MODEL,
  'GET /v2/models/:name/ready': SEE_MODEL,
  'GET /v2/models/:name/versions/:version/ready': SEE_MODEL,
  'POST /v2/models/:name/infer': P,
  'POST /v2/models/:name/versions/:version/infer': P,
};

/** The access rule of a route (`GET`, `/v1/datasets/:id`); undefined when none is declared. */
export function accessOf(method: string, url: string): Access | undefined {
  return ROUTE_ACCESS[`${method.toUpperCase()} ${url}`];
}

/** The roles that satisfy `access`, for messages: `read`, `read or predict`. */
export function describeAccess(access: Exclude<Access, 'any'>): string {
  return (typeof access === 'string' ? [access] : [...access]).join(' or ');
}
