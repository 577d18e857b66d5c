import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openStore } from '../../src/queue/open-store.js';
import { colourZip, smallCnnDir } from '../helpers/advisor-fixtures.js';
import { api, type Api, type Json, type Reply } from '../helpers/api.js';
import type { TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';
import type { Part } from '../helpers/multipart.js';
import { saveModel, tabularClassifier, tabularMeta } from '../helpers/serving-fixtures.js';

/**
 * Walks every API route of openapi.yaml, so that no route escapes projects and roles: another
 * project's key finds nothing of team-a (404, the answer for an id that never existed; empty
 * listings; no job on team-a's dataset), each role reaches what the contract (README "Projects
 * and keys") gives it and nothing else (403 naming the role), a revoked key nothing at all
 * (401), and a predict key limited to one model that model only.
 *
 * The cases come from openapi.yaml (and the first test fails for a route the server has that it
 * does not document); the roles expected are this file's own reading of the contract
 * (`expectedAccess`), written apart from src/http/route-access.ts on purpose.
 */

type Role = 'read' | 'predict' | 'train' | 'admin';
const ROLES: readonly Role[] = ['read', 'predict', 'train', 'admin'];
type Access = 'any' | readonly Role[];
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Op {
  method: Method;
  /** The OpenAPI path: `/v1/datasets/{id}`. */
  path: string;
  /** `GET /v1/datasets/{id}`: what each test is named by. */
  route: string;
}

// ---------------------------------------------------------------------------------------------
// The routes

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Open probes, like /healthz: no key, no project. */
const OPEN_PROBES = new Set(['/v2/health/live', '/v2/health/ready']);
const isApiPath = (p: string): boolean => /^\/v[12](\/|$)/.test(p) && !OPEN_PROBES.has(p);
/** Fastify's `:id` is OpenAPI's `{id}`. */
const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function walkedOps(): Op[] {
  const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const ops: Op[] = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    if (!isApiPath(p)) continue;
    for (const m of METHODS) {
      if (!item[m]) continue;
      const method = m.toUpperCase() as Method;
      ops.push({ method, path: p, route: `${method} ${p}` });
    }
  }
  return ops;
}

const OPS = walkedOps();

// ---------------------------------------------------------------------------------------------
// The contract's roles, read from the method and the path

/**
 * The roles a route needs, by the contract: GET reads (and a predict key may also look at the
 * models it serves through OIP, and at its batch predictions); predicting, OIP inference and
 * batch predictions (submitting, cancelling) need predict; comparing two models reads; deletes
 * need admin, but for dismissing a review item, a labelling decision like labelling it (train);
 * keys and the audit log are admin's; who-am-I and OIP server metadata answer any key; every
 * other change (uploads, jobs, advisor, audits, versions, capture, labels, aliases, promotion,
 * retrain) needs train. admin holds every role.
 */
function expectedAccess({ method, path: p }: Op): Access {
  if (method === 'GET' && (p === '/v1/me' || p === '/v2')) return 'any';
  if (p === '/v1/keys' || p.startsWith('/v1/keys/') || p === '/v1/audit-log') return ['admin'];
  const oipModel = p.startsWith('/v2/models/');
  const batch = p === '/v1/batch-predictions' || p.startsWith('/v1/batch-predictions/');
  switch (method) {
    case 'GET':
      return oipModel || batch ? ['read', 'predict'] : ['read'];
    case 'DELETE':
      return p === '/v1/models/{id}/review/{itemId}' ? ['train'] : ['admin'];
    case 'POST':
      if (/\/(predict|infer)$/.test(p)) return ['predict'];
      if (p === '/v1/batch-predictions' || p === '/v1/batch-predictions/{id}/cancel') return ['predict'];
      if (p === '/v1/models/compare') return ['read'];
      return ['train'];
    default:
      return ['train'];
  }
}

const allows = (access: Access, role: Role): boolean =>
  access === 'any' || role === 'admin' || access.includes(role);

// ---------------------------------------------------------------------------------------------
// What each route is called with

/** The objects a route's path parameters name. */
interface Objects {
  /** A dataset of images. */
  dataset: string;
  /** A table, for batches of the tabular models. */
  table: string;
  baseModel: string;
  model: string;
  modelName: string;
  job: string;
  advisor: string;
  audit: string;
  batch: string;
  key: string;
  alias: string;
  item: string;
  example: string;
  version: string;
}

/** `{id}` names an object of the path's collection. */
const ID_OF: Record<string, keyof Objects> = {
  datasets: 'dataset',
  'base-models': 'baseModel',
  models: 'model',
  jobs: 'job',
  advisor: 'advisor',
  audits: 'audit',
  'batch-predictions': 'batch',
  keys: 'key',
};
const PARAM_OF: Record<string, keyof Objects> = {
  name: 'modelName',
  alias: 'alias',
  itemId: 'item',
  exampleId: 'example',
  version: 'version',
};
/** The fields that name a stored object (an id, a model's name), as opposed to a plausible value. */
const OBJECT_FIELDS: Array<keyof Objects> = [
  'dataset',
  'table',
  'baseModel',
  'model',
  'modelName',
  'job',
  'advisor',
  'audit',
  'batch',
  'key',
];

/** The URL of `op` with each path parameter filled from `o`. */
function urlOf(op: Op, o: Objects): string {
  const collection = op.path.split('/')[2] ?? '';
  return op.path.replace(/\{(\w+)\}/g, (_, param: string) => {
    const field = param === 'id' ? ID_OF[collection] : PARAM_OF[param];
    if (!field) throw new Error(`${op.route}: no object for {${param}}; add one to ID_OF or PARAM_OF`);
    return encodeURIComponent(o[field]);
  });
}

const hasParams = (op: Op): boolean => op.path.includes('{');
const isStream = (op: Op): boolean => op.method === 'GET' && op.path.endsWith('/events');
/** Calls that change nothing: reads, predictions, comparisons. */
const changesNothing = (op: Op): boolean =>
  (op.method === 'GET' && !isStream(op)) ||
  (op.method === 'POST' && (/\/(predict|infer)$/.test(op.path) || op.path === '/v1/models/compare'));

const ROW = [1, 2, 3, 4];
const OIP_BODY = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: ROW }] };

/** Valid bodies, so that validation never answers before the route has looked its objects up. */
const BODIES: Record<string, (o: Objects, f: Fixture) => unknown> = {
  'POST /v1/datasets/{id}/versions': (o) => ({ exclude: [o.example] }),
  'POST /v1/datasets/{id}/audits': (o) => ({ base: { baseModelId: o.baseModel } }),
  'PATCH /v1/models/{id}': () => ({ capture: { rate: 0.5 } }),
  'POST /v1/models/{id}/predict': () => ({ instances: [ROW] }),
  'POST /v1/models/compare': (o, f) => ({ a: o.model, b: f.weeds }),
  'PUT /v1/models/{name}/aliases/{alias}': () => ({ version: 1 }),
  'POST /v1/models/{name}/promote': () => ({}),
  'POST /v1/models/{id}/review/{itemId}': () => ({ label: 'x' }),
  'POST /v1/models/{id}/retrain': () => ({}),
  'POST /v2/models/{name}/infer': () => OIP_BODY,
  'POST /v2/models/{name}/versions/{version}/infer': () => OIP_BODY,
};

/**
 * The body of a walking call: a valid one where the table has it; `{}` for a route that
 * creates without a path parameter (a body it refuses, 400, so the walk makes nothing: the key
 * was checked before the body is, and a 400 says the key got through).
 */
function bodyOf(op: Op, o: Objects, f: Fixture): unknown {
  const make = BODIES[op.route];
  if (make) return make(o, f);
  return op.method !== 'GET' && op.method !== 'DELETE' && !hasParams(op) ? {} : undefined;
}

// ---------------------------------------------------------------------------------------------
// Keys and objects

const KEYS = {
  read: 'walk-a-read-0123456789',
  predict: 'walk-a-predict-0123456789',
  train: 'walk-a-train-0123456789',
  admin: 'walk-a-admin-0123456789',
  flowersOnly: 'walk-a-flowers-0123456789',
  bAdmin: 'walk-b-admin-0123456789',
};

const CSV = Buffer.from(
  'x1,x2,label\n' +
    Array.from({ length: 30 }, (_, i) => `${i % 3},${(i * 7) % 5},${['a', 'b', 'c'][i % 3]}`).join('\n'),
);
const jobSpec = (datasetId: string) => ({
  datasetId,
  architecture: [{ type: 'dense', units: 4 }],
  fit: { epochs: 1 },
});

interface Fixture {
  /** team-a's objects: queued jobs, advisor run, audit and batch. */
  a: Objects;
  /** The same with cancelled ones: their event streams end at once. */
  done: Objects;
  /** Ids of the same kinds that never existed, and a model name nobody gave. */
  never: Objects;
  /** A second model of team-a, `weeds`, and a cancelled batch of it. */
  weeds: string;
  weedsBatch: string;
  /** The files of a small CNN, uploaded as a base model. */
  cnn: Part[];
}

/** An id of the same kind that was never made, `ds_0000000000000001`: `mark` tells two apart. */
const neverId = (id: string, mark: number): string =>
  id.replace(/_(.*)$/, (_, tail: string) => `_${String(mark).padStart(tail.length, '0')}`);

function expectStatus(res: Reply, status: number): Json {
  expect(res.status, res.text).toBe(status);
  return res.body;
}

/** A queued run of `post`, and a cancelled one. */
async function queuedAndCancelled(
  a: Api,
  post: () => Promise<Reply>,
  cancel: (id: string) => string,
): Promise<[string, string]> {
  const queued = expectStatus(await post(), 202).id as string;
  const other = expectStatus(await post(), 202).id as string;
  expectStatus(await a.post(cancel(other)), 200);
  return [queued, other];
}

/** A small random CNN's model.json and weights, as a multipart upload of a base model. */
async function smallCnnParts(): Promise<Part[]> {
  const dir = await smallCnnDir();
  try {
    return [
      { name: 'model.json', filename: 'model.json', data: await readFile(path.join(dir, 'model.json')) },
      { name: 'weights', filename: 'weights.bin', data: await readFile(path.join(dir, 'weights.bin')) },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * team-a's objects, one of each kind a path names: a dataset of images (its examples have ids),
 * a table for the tabular models' batches, two saved models, a base model (a small CNN upload:
 * registering a packaged catalog entry takes seconds), queued and cancelled jobs, advisor runs,
 * audits and batches (no worker runs, so queued stays queued), an alias, a captured review
 * item and a key made at run time.
 */
async function setUpTeamA(ctx: TestContext): Promise<Fixture> {
  const a = api(ctx, { key: KEYS.admin });
  const cnn = await smallCnnParts();
  const baseModel = expectStatus(await a.form('/v1/base-models', cnn), 201).id as string;
  const dataset = (await a.uploadDataset(await colourZip(4), 'colours.zip')).id as string;
  const example = expectStatus(await a.get(`/v1/datasets/${dataset}/examples?limit=1`), 200).items[0]
    .id as string;
  const table = (await a.uploadDataset(CSV, 'rows.csv')).id as string;

  const opened = openStore(ctx.config, undefined, 'team-a');
  const flowers = await saveModel(
    opened.store,
    tabularClassifier(),
    tabularMeta('classification'),
    'flowers',
  );
  const weeds = await saveModel(opened.store, tabularClassifier(), tabularMeta('classification'), 'weeds');
  await opened.close();

  const [job, jobDone] = await queuedAndCancelled(
    a,
    () => a.post('/v1/jobs', jobSpec(dataset)),
    (id) => `/v1/jobs/${id}/cancel`,
  );
  const [advisor, advisorDone] = await queuedAndCancelled(
    a,
    () => a.post('/v1/advisor', { datasetId: dataset, candidates: [{ base: { baseModelId: baseModel } }] }),
    (id) => `/v1/advisor/${id}/cancel`,
  );
  const [audit, auditDone] = await queuedAndCancelled(
    a,
    () => a.post(`/v1/datasets/${dataset}/audits`, { base: { baseModelId: baseModel } }),
    (id) => `/v1/audits/${id}/cancel`,
  );
  const batchOf = (modelId: string) => () =>
    a.post('/v1/batch-predictions', { modelId, input: { datasetId: table } });
  const cancelBatch = (id: string) => `/v1/batch-predictions/${id}/cancel`;
  const [batch, batchDone] = await queuedAndCancelled(a, batchOf(flowers.id), cancelBatch);
  const [, weedsBatch] = await queuedAndCancelled(a, batchOf(weeds.id), cancelBatch);

  expectStatus(await a.put('/v1/models/flowers/aliases/production', { version: 1 }), 200);
  // One captured prediction: a review item to name.
  expectStatus(await a.patch('/v1/models/flowers', { capture: { rate: 1 } }), 200);
  expectStatus(await a.predict('flowers', { instances: [ROW] }), 200);
  await ctx.app.capture.settle();
  const item = expectStatus(await a.get('/v1/models/flowers/review'), 200).items[0]?.id as string;
  expect(item).toBeTypeOf('string');
  const key = expectStatus(await a.post('/v1/keys', { id: 'a-made', roles: ['read'] }), 201).id as string;

  const objects: Objects = {
    dataset,
    table,
    baseModel,
    model: flowers.id,
    modelName: 'flowers',
    job,
    advisor,
    audit,
    batch,
    key,
    alias: 'production',
    item,
    example,
    version: '1',
  };
  return {
    a: objects,
    done: { ...objects, job: jobDone, advisor: advisorDone, audit: auditDone, batch: batchDone },
    never: {
      ...objects,
      dataset: neverId(dataset, 1),
      table: neverId(table, 2),
      baseModel: neverId(baseModel, 3),
      model: neverId(flowers.id, 4),
      modelName: 'no-such-model',
      job: neverId(job, 5),
      advisor: neverId(advisor, 6),
      audit: neverId(audit, 7),
      batch: neverId(batch, 8),
      key: 'no-such-key',
    },
    weeds: weeds.id,
    weedsBatch,
    cnn,
  };
}

/**
 * The objects a walking call names: team-a's own where the call changes nothing, cancelled ones
 * for event streams (a queued one's would never end), and ids that never existed where the call
 * would change or delete something, so no walk spoils another.
 */
function objectsFor(op: Op, f: Fixture): Objects {
  if (isStream(op)) return f.done;
  return changesNothing(op) ? f.a : f.never;
}

function call(key: string, op: Op, o: Objects, f: Fixture, ctx: TestContext): Promise<Reply> {
  return api(ctx, { key }).request(op.method, urlOf(op, o), bodyOf(op, o, f));
}

/** A problem's `detail`, or on /v2 the Open Inference Protocol's `error`. */
const messageOf = (res: Reply): string => String(res.body?.detail ?? res.body?.error ?? '');

/**
 * 403 whose message names every role the route needs: not merely as a word of its path or of
 * the key's id (`a-read`), which are taken out first.
 */
function expectRefusedFor(res: Reply, op: Op, url: string, needed: readonly Role[], keyId: string): void {
  expect(res.status, `${op.route}: ${res.text}`).toBe(403);
  let said = messageOf(res);
  for (const noise of [op.path.replace(/\{(\w+)\}/g, ':$1'), url, keyId]) said = said.split(noise).join(' ');
  for (const role of needed)
    expect(said, `${op.route}: ${messageOf(res)}`).toMatch(new RegExp(`\\b${role}\\b`));
}

function expectThrough(res: Reply, op: Op): void {
  expect([401, 403], `${op.route}: ${res.status} ${res.text}`).not.toContain(res.status);
}

// ---------------------------------------------------------------------------------------------

describe('every API route, walked from openapi.yaml, for projects and roles', () => {
  let ctx: TestContext;
  let f: Fixture;

  beforeAll(async () => {
    const teamA = (id: string, key: string, roles: Role[], models?: string[]) => ({
      id,
      key,
      project: 'team-a',
      roles,
      ...(models ? { models } : {}),
    });
    ctx = await buildAppWithKeys([
      ...ROLES.map((r) => teamA(`a-${r}`, KEYS[r], [r])),
      teamA('a-flowers', KEYS.flowersOnly, ['predict'], ['flowers']),
      { id: 'b-admin', key: KEYS.bAdmin, project: 'team-b', roles: ['admin'] },
    ]);
    f = await setUpTeamA(ctx);
  });
  afterAll(() => ctx?.close());

  it('walks every API route the server has', () => {
    const walked = new Set(OPS.map((o) => o.route));
    const missed = ctx.app.registeredRoutes
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && isApiPath(toOpenApiPath(r.url)))
      .map((r) => `${r.method} ${toOpenApiPath(r.url)}`)
      .filter((r) => !walked.has(r));
    expect(missed).toEqual([]);
    expect(OPS.length).toBeGreaterThan(50);
  });

  describe("another project's admin key (team-b) finds nothing of team-a", () => {
    const b = () => api(ctx, { key: KEYS.bAdmin });
    /** Nothing team-b is answered names team-a or one of its objects. */
    const expectNoTrace = (res: Reply, op: Op) => {
      for (const v of ['team-a', ...OBJECT_FIELDS.map((k) => f.a[k]), f.weeds])
        expect(res.text, `${op.route} shows ${v}`).not.toContain(v);
    };
    /** An answer with the objects it names replaced by their kinds, to compare two answers. */
    const shapeOf = (res: Reply, o: Objects): string => {
      let text = JSON.stringify({
        status: res.status,
        type: res.body?.type,
        title: res.body?.title,
        message: messageOf(res),
      });
      for (const k of OBJECT_FIELDS) text = text.split(o[k]).join(`<${k}>`);
      return text;
    };
    /**
     * A request naming team-a's objects is refused (4xx naming `field`'s object) exactly as the
     * same request naming objects that never existed.
     */
    const refusedAsNever = async (
      send: (o: Objects) => Promise<Reply>,
      field?: keyof Objects,
    ): Promise<Reply> => {
      const got = await send(f.a);
      expect(got.status, got.text).toBeGreaterThanOrEqual(400);
      expect(got.status, got.text).toBeLessThan(500);
      expect([403, 409], got.text).not.toContain(got.status);
      if (field) expect(got.text).toContain(f.a[field]);
      expect(shapeOf(got, f.a)).toBe(shapeOf(await send(f.never), f.never));
      return got;
    };

    // First, while team-b has nothing of its own: its listings are empty.
    // (Loops rather than it.each: its names cut a long route short.)
    for (const op of OPS.filter((o) => o.method === 'GET' && !hasParams(o))) {
      it(`${op.route} lists nothing of team-a`, async () => {
        const res = await b().get(op.path);
        expect(res.status, res.text).toBe(200);
        expectNoTrace(res, op);
        const items = res.body?.items as Json[] | undefined;
        if (!Array.isArray(items)) return;
        if (op.route === 'GET /v1/base-models/catalog') {
          // The packaged catalog is the service's, the same for every project.
          expect(items).toEqual((await api(ctx, { key: KEYS.admin }).get(op.path)).body.items);
          return;
        }
        // Empty, but for what the listing says is team-b's own (its keys, its audit log).
        expect(items.filter((i) => i?.project !== 'team-b')).toEqual([]);
      });
    }

    /**
     * Routes that answer a model name nobody gave with another 4xx than 404: the name is checked
     * as part of the body's version or alias (src/promotion/promotion-service.ts, setAlias and
     * promote). team-a's names get the same answer, so nothing leaks, but the contract says 404.
     * Take a route out of here once it answers 404.
     */
    const NOT_404_FOR_UNKNOWN_NAMES: Record<string, string> = {
      'PUT /v1/models/{name}/aliases/{alias}':
        '400 on body.version: "model \'<name>\' has no published version 1"',
      'POST /v1/models/{name}/promote': "422: \"model '<name>' has no alias 'candidate' to promote\"",
    };

    for (const op of OPS.filter(hasParams)) {
      it(`${op.route} is 404 for team-a objects, as for ids that never existed`, async () => {
        const got = await refusedAsNever((o) => b().request(op.method, urlOf(op, o), bodyOf(op, o, f)));
        if (NOT_404_FOR_UNKNOWN_NAMES[op.route]) {
          expect(
            got.status,
            `${op.route} answers 404 now: take it out of NOT_404_FOR_UNKNOWN_NAMES`,
          ).not.toBe(404);
        } else {
          expect(got.status, `${op.route}: ${got.text}`).toBe(404);
        }
      });
    }

    /** Team-b's own dataset of images, uploaded once (after the listings were checked empty). */
    let own: string | undefined;
    const ownImages = async () =>
      (own ??= (await b().uploadDataset(await colourZip(4), 'colours.zip')).id as string);
    const toA = () => api(ctx, { key: KEYS.admin });

    /** How each route that makes something without a path parameter is walked from team-b. */
    const MAKES: Record<string, () => Promise<void>> = {
      'POST /v1/datasets': async () => {
        const res = await b().form('/v1/datasets', [{ name: 'file', filename: 'rows.csv', data: CSV }]);
        expect(res.status, res.text).toBe(201);
        expect((await toA().get(`/v1/datasets/${res.body.id}`)).status).toBe(404);
      },
      'POST /v1/base-models': async () => {
        const res = await b().form('/v1/base-models', f.cnn);
        expect(res.status, res.text).toBe(201);
        expect((await toA().get(`/v1/base-models/${res.body.id}`)).status).toBe(404);
      },
      'POST /v1/models/compare': async () => {
        await refusedAsNever((o) => b().post('/v1/models/compare', { a: o.model, b: o.model }), 'model');
      },
      'POST /v1/jobs': async () => {
        await refusedAsNever((o) => b().post('/v1/jobs', jobSpec(o.dataset)), 'dataset');
        // On a dataset of its own, team-a's base model or model is not there either.
        const datasetId = await ownImages();
        await refusedAsNever(
          (o) => b().post('/v1/jobs', { datasetId, base: { baseModelId: o.baseModel } }),
          'baseModel',
        );
        await refusedAsNever((o) => b().post('/v1/jobs', { datasetId, base: { modelId: o.model } }), 'model');
        expect((await b().get('/v1/jobs')).body.items).toEqual([]);
      },
      'POST /v1/advisor': async () => {
        await refusedAsNever((o) => b().post('/v1/advisor', { datasetId: o.dataset }), 'dataset');
        const datasetId = await ownImages();
        await refusedAsNever(
          (o) => b().post('/v1/advisor', { datasetId, candidates: [{ base: { baseModelId: o.baseModel } }] }),
          'baseModel',
        );
      },
      'POST /v1/batch-predictions': async () => {
        await refusedAsNever(
          (o) => b().post('/v1/batch-predictions', { modelId: o.model, input: { datasetId: o.table } }),
          'model',
        );
        await refusedAsNever(
          (o) => b().post('/v1/batch-predictions', { modelId: o.modelName, input: { datasetId: o.table } }),
          'modelName',
        );
        // With a model of its own, team-a's table is still not there.
        const opened = openStore(ctx.config, undefined, 'team-b');
        const mine = await saveModel(
          opened.store,
          tabularClassifier(),
          tabularMeta('classification'),
          'b-own',
        );
        await opened.close();
        await refusedAsNever(
          (o) => b().post('/v1/batch-predictions', { modelId: mine.id, input: { datasetId: o.table } }),
          'table',
        );
        expect((await b().get('/v1/batch-predictions')).body.items).toEqual([]);
      },
      'POST /v1/keys': async () => {
        const res = await b().post('/v1/keys', { id: 'b-made', roles: ['admin'] });
        expect(res.status, res.text).toBe(201);
        expect(res.body.project).toBe('team-b');
        const made = api(ctx, { key: res.body.key as string });
        expect((await made.get('/v1/me')).body.project).toBe('team-b');
        expect((await made.get(`/v1/datasets/${f.a.dataset}`)).status).toBe(404);
      },
    };

    // Last, what team-b makes: never from team-a's objects, never into team-a.
    for (const op of OPS.filter((o) => o.method !== 'GET' && !hasParams(o))) {
      it(`${op.route} makes nothing from or into team-a`, async () => {
        const check = MAKES[op.route];
        expect(check, `${op.route}: add how team-b walks it to MAKES`).toBeDefined();
        await check!();
      });
    }

    it("left team-a's objects as they were", async () => {
      const a = toA();
      const ok = async (url: string) => expectStatus(await a.get(url), 200);
      await ok(`/v1/datasets/${f.a.dataset}`);
      await ok(`/v1/datasets/${f.a.table}`);
      await ok(`/v1/base-models/${f.a.baseModel}`);
      expect((await ok('/v1/models/flowers')).id).toBe(f.a.model);
      await ok(`/v1/models/${f.weeds}`);
      // Nothing team-b made landed in team-a.
      const totals = { datasets: 2, 'base-models': 1, models: 2, jobs: 2, 'batch-predictions': 4 };
      for (const [list, total] of Object.entries(totals))
        expect((await ok(`/v1/${list}`)).total, list).toBe(total);
      for (const url of [
        `/v1/jobs/${f.a.job}`,
        `/v1/advisor/${f.a.advisor}`,
        `/v1/audits/${f.a.audit}`,
        `/v1/batch-predictions/${f.a.batch}`,
      ])
        expect((await ok(url)).state, url).toBe('queued');
      expect((await ok('/v1/keys')).items.map((k: Json) => k.id)).toContain(f.a.key);
      expect((await ok('/v1/models/flowers/aliases')).aliases.map((x: Json) => x.alias)).toContain(
        'production',
      );
      expect((await ok('/v1/models/flowers/review')).items.map((x: Json) => x.id)).toContain(f.a.item);
      expect((await ok('/v1/models/flowers/capture')).capture.rate).toBe(1);
    });
  });

  describe.each(ROLES)('a team-a key with the role %s only', (role) => {
    for (const op of OPS) {
      const access = expectedAccess(op);
      const verdict = allows(access, role)
        ? 'gets through'
        : `is 403 naming ${(access as Role[]).join(' or ')}`;
      it(`${op.route} ${verdict}`, async () => {
        const o = objectsFor(op, f);
        const res = await call(KEYS[role], op, o, f, ctx);
        if (allows(access, role)) expectThrough(res, op);
        else expectRefusedFor(res, op, urlOf(op, o), access as readonly Role[], `a-${role}`);
      });
    }
  });

  describe('a revoked key', () => {
    let revoked: string;
    beforeAll(async () => {
      const admin = api(ctx, { key: KEYS.admin });
      const res = await admin.post('/v1/keys', { id: 'short-lived', roles: ['admin'] });
      expect(res.status, res.text).toBe(201);
      revoked = res.body.key as string;
      expect((await api(ctx, { key: revoked }).get('/v1/me')).status).toBe(200);
      expect((await admin.delete('/v1/keys/short-lived')).status).toBe(204);
    });

    for (const op of OPS) {
      it(`${op.route} is 401`, async () => {
        const res = await call(revoked, op, objectsFor(op, f), f, ctx);
        expect(res.status, `${op.route}: ${res.text}`).toBe(401);
      });
    }
  });

  describe("a predict key limited to the model 'flowers'", () => {
    const key = KEYS.flowersOnly;
    /** A predict route's objects: its own model and batch, or the other model's. */
    const own = (): Objects => ({ ...f.a, batch: f.done.batch });
    const other = (): Objects => ({ ...f.a, model: f.weeds, modelName: 'weeds', batch: f.weedsBatch });

    for (const op of OPS) {
      const access = expectedAccess(op);
      const name =
        access === 'any'
          ? 'gets through'
          : access.includes('predict')
            ? "serves 'flowers' only"
            : `is 403 naming ${access.join(' or ')}`;
      it(`${op.route} ${name}`, () => walkLimited(op, access));
    }

    async function walkLimited(op: Op, access: Access): Promise<void> {
      if (access === 'any') return expectThrough(await call(key, op, f.a, f, ctx), op);
      if (!access.includes('predict')) {
        const o = objectsFor(op, f);
        return expectRefusedFor(await call(key, op, o, f, ctx), op, urlOf(op, o), access, 'a-flowers');
      }
      const http = api(ctx, { key });
      if (op.route === 'POST /v1/batch-predictions') {
        const input = { datasetId: f.a.table };
        expect((await http.post(op.path, { modelId: 'flowers', input })).status).toBe(202);
        const no = await http.post(op.path, { modelId: f.weeds, input });
        expect(no.status, no.text).toBe(403);
        expect(messageOf(no)).toMatch(/flowers/);
        return;
      }
      if (op.route === 'GET /v1/batch-predictions') {
        const res = await http.get(op.path);
        expect(res.status, res.text).toBe(200);
        const models = new Set((res.body.items as Json[]).map((b) => b.modelId));
        expect([...models]).toEqual([f.a.model]);
        return;
      }
      expect(hasParams(op), `${op.route}: a predict route without a model or batch to name`).toBe(true);
      const mine = await call(key, op, own(), f, ctx);
      expect([401, 403, 404], `${op.route}: ${mine.status} ${mine.text}`).not.toContain(mine.status);
      const theirs = await call(key, op, other(), f, ctx);
      // A batch of another model is hidden (404) rather than refused; a model is refused (403).
      const expected = op.path.startsWith('/v1/batch-predictions/') ? [403, 404] : [403];
      expect(expected, `${op.route}: ${theirs.status} ${theirs.text}`).toContain(theirs.status);
    }
  });
});
