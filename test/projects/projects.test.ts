import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createAppDeps } from '../../src/http/app-deps.js';
import { openStore } from '../../src/queue/open-store.js';
import { api } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';
import { saveModel, tabularClassifier, tabularMeta } from '../helpers/serving-fixtures.js';

/** Keys of two teams and the roles of a client app; the legacy API_KEYS key is project default. */
const KEYS = {
  aAdmin: 'key-a-admin-0123456789',
  aRead: 'key-a-read-0123456789',
  aTrain: 'key-a-train-0123456789',
  aApp: 'key-a-app-0123456789',
  bAdmin: 'key-b-admin-0123456789',
  cTrain: 'key-c-train-0123456789',
  legacy: 'legacy-key-0123456789',
};

const CSV = Buffer.from(
  'x1,x2,label\n' +
    Array.from({ length: 30 }, (_, i) => `${i % 3},${(i * 7) % 5},${['a', 'b', 'c'][i % 3]}`).join('\n'),
);

describe('projects and scoped keys', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await buildAppWithKeys(
      [
        { id: 'a-admin', key: KEYS.aAdmin, project: 'team-a', roles: ['admin'] },
        { id: 'a-read', key: KEYS.aRead, project: 'team-a', roles: ['read'] },
        { id: 'a-train', key: KEYS.aTrain, project: 'team-a', roles: ['read', 'train'] },
        { id: 'a-app', key: KEYS.aApp, project: 'team-a', roles: ['predict'], models: ['flowers'] },
        { id: 'b-admin', key: KEYS.bAdmin, project: 'team-b', roles: ['admin'] },
        { id: 'c-train', key: KEYS.cTrain, project: 'team-c', roles: ['read', 'train'] },
      ],
      {
        projects: {
          'team-b': { quotas: { storedBytes: 2000, predictsPerSecond: 2 } },
          'team-c': { quotas: { concurrentJobs: 1 } },
        },
        env: { API_KEYS: KEYS.legacy },
      },
    );
  });
  afterAll(() => ctx?.close());

  it('tells each key who it is', async () => {
    const me = await api(ctx, { key: KEYS.aApp }).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      keyId: 'a-app',
      project: 'team-a',
      roles: ['predict'],
      models: ['flowers'],
      authenticated: true,
    });
    const legacy = await api(ctx, { key: KEYS.legacy }).get('/v1/me');
    expect(legacy.body).toMatchObject({ project: 'default', roles: ['read', 'predict', 'train', 'admin'] });
  });

  it("keeps a project's objects out of every other project's reach, and its files under its own prefix", async () => {
    const ds = await api(ctx, { key: KEYS.aTrain }).uploadDataset(CSV, 'rows.csv');
    const id = ds['id'] as string;
    expect((await api(ctx, { key: KEYS.aRead }).get(`/v1/datasets/${id}`)).status).toBe(200);
    for (const key of [KEYS.bAdmin, KEYS.legacy]) {
      const other = api(ctx, { key });
      const got = await other.get(`/v1/datasets/${id}`);
      expect(got.status).toBe(404);
      // The same answer as for an id that never existed.
      const never = await other.get('/v1/datasets/ds_0000000000000000');
      expect(got.body['detail']).toBe((never.body['detail'] as string).replace('ds_0000000000000000', id));
      expect((await other.get('/v1/datasets')).body['items']).toEqual([]);
      expect((await other.delete(`/v1/datasets/${id}`)).status).toBe(404);
    }
    const { store } = openStore(ctx.config, undefined, 'team-a');
    await store.init();
    expect(await store.collection('datasets').exists(id)).toBe(true);
    expect(store.root).toBe(path.join(ctx.dataDir, 'projects', 'team-a'));
    expect(await ctx.runtime.store.collection('datasets').exists(id)).toBe(false);
  });

  it('answers 403 naming the role a key lacks', async () => {
    const read = api(ctx, { key: KEYS.aRead });
    const upload = await read.form('/v1/datasets', [{ name: 'file', filename: 'rows.csv', data: CSV }]);
    expect(upload.status).toBe(403);
    expect(upload.body['detail']).toMatch(/lacks the role train/);
    expect((await api(ctx, { key: KEYS.aApp }).get('/v1/datasets')).status).toBe(403);
    const del = await api(ctx, { key: KEYS.aTrain }).delete('/v1/datasets/ds_0000000000000000');
    expect(del.status).toBe(403);
    expect(del.body['detail']).toMatch(/admin/);
  });

  it('lets a predict key limited to one model predict with that model only, and never download it', async () => {
    const { store } = openStore(ctx.config, undefined, 'team-a');
    await store.init();
    await saveModel(store, tabularClassifier(), tabularMeta('classification'), 'flowers');
    const other = await saveModel(store, tabularClassifier(), tabularMeta('classification'), 'weeds');
    const app = api(ctx, { key: KEYS.aApp });
    const ok = await app.post('/v1/models/flowers/predict', { instances: [[1, 2, 3, 4]] });
    expect(ok.status, ok.text).toBe(200);
    const no = await app.post(`/v1/models/${other.id}/predict`, { instances: [[1, 2, 3, 4]] });
    expect(no.status).toBe(403);
    expect(no.body['detail']).toMatch(/may predict with 'flowers' only/);
    expect((await app.get('/v1/models/flowers/download')).status).toBe(403);
    expect((await app.get('/v1/models/flowers')).status).toBe(403);
    // A read key sees the model; it was saved without a job, so it has no evaluation predictions.
    const oof = await api(ctx, { key: KEYS.aRead }).get('/v1/models/flowers/evaluation/predictions');
    expect(oof.status).toBe(404);
    expect(oof.body['detail']).toMatch(/has no out-of-fold predictions/);
    const infer = await app.post('/v2/models/weeds/infer', {
      inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
    });
    expect(infer.status).toBe(403);
    // Another project's key finds no such model at all.
    expect(
      (await api(ctx, { key: KEYS.bAdmin }).post('/v1/models/flowers/predict', { instances: [[1, 2, 3, 4]] }))
        .status,
    ).toBe(404);
  });

  it('keeps model names and versions per project', async () => {
    const inB = await saveModel(
      ctx.runtime.store,
      tabularClassifier(),
      tabularMeta('classification'),
      'flowers',
    );
    // team-a has a 'flowers' too (saved above); the default project counts its own versions.
    expect(inB.version).toBe(1);
    const b = api(ctx, { key: KEYS.legacy });
    expect((await b.get('/v1/models/flowers')).body['id']).toBe(inB.id);
    expect((await api(ctx, { key: KEYS.aRead }).get('/v1/models/flowers')).body['id']).not.toBe(inB.id);
  });

  it('creates and revokes keys at run time; a revocation holds at once on another API process', async () => {
    const admin = api(ctx, { key: KEYS.aAdmin });
    const created = await admin.post('/v1/keys', { id: 'shop', roles: ['predict'], models: ['flowers'] });
    expect(created.status, created.text).toBe(201);
    const key = created.body['key'] as string;
    expect(created.body).toMatchObject({
      id: 'shop',
      project: 'team-a',
      roles: ['predict'],
      source: 'runtime',
    });
    const listed = await admin.get('/v1/keys');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect((listed.body['items'] as Array<{ id: string }>).map((k) => k.id)).toEqual(
      expect.arrayContaining(['a-admin', 'a-app', 'shop']),
    );
    expect((await api(ctx, { key: KEYS.bAdmin }).get('/v1/keys')).body['items']).toEqual([
      expect.objectContaining({ id: 'b-admin' }),
    ]);
    expect((await admin.post('/v1/keys', { id: 'shop', roles: ['read'] })).status).toBe(409);

    const runtime2 = await createAppDeps(ctx.config, pino({ level: 'silent' }));
    const app2 = await buildApp(runtime2);
    try {
      expect((await api(app2, { key }).get('/v1/me')).body).toMatchObject({
        keyId: 'shop',
        project: 'team-a',
      });
      expect((await admin.delete('/v1/keys/shop')).status).toBe(204);
      expect((await api(app2, { key }).get('/v1/me')).status).toBe(401);
      expect((await api(ctx, { key }).get('/v1/me')).status).toBe(401);
    } finally {
      await app2.close();
      await runtime2.close();
    }
    expect((await admin.delete('/v1/keys/a-read')).status).toBe(409);
    expect((await admin.delete('/v1/keys/nobody')).status).toBe(404);
  });

  it("records state-changing requests in the project's audit log, refusals included", async () => {
    // Entries are stored just after each response: wait for the last request's.
    const log = await waitFor(async () => {
      const res = await api(ctx, { key: KEYS.aAdmin }).get('/v1/audit-log?limit=1000');
      return JSON.stringify(res.body).includes('"objectId":"nobody"') && res;
    });
    expect(log.status).toBe(200);
    const items = log.body['items'] as Array<Record<string, unknown>>;
    expect(items.every((e) => e['project'] === 'team-a')).toBe(true);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyId: 'a-train',
          method: 'POST',
          route: '/v1/datasets',
          outcome: 'ok',
          status: 201,
        }),
        expect.objectContaining({ keyId: 'a-read', route: '/v1/datasets', outcome: 'refused', status: 403 }),
        expect.objectContaining({
          keyId: 'a-admin',
          method: 'DELETE',
          route: '/v1/keys/:id',
          objectId: 'shop',
        }),
      ]),
    );
    // Pages: newest first, `next` continues where a page ended.
    const first = await api(ctx, { key: KEYS.aAdmin }).get('/v1/audit-log?limit=2');
    const second = await api(ctx, { key: KEYS.aAdmin }).get(
      `/v1/audit-log?limit=2&before=${first.body['next']}`,
    );
    expect([...(first.body['items'] as unknown[]), ...(second.body['items'] as unknown[])]).toEqual(
      items.slice(0, 4),
    );
    expect((await api(ctx, { key: KEYS.aTrain }).get('/v1/audit-log')).status).toBe(403);
    const other = await api(ctx, { key: KEYS.bAdmin }).get('/v1/audit-log');
    expect(
      (other.body['items'] as Array<Record<string, unknown>>).some((e) => e['project'] === 'team-a'),
    ).toBe(false);
  });

  it('refuses past a project quota, naming the quota and its value', async () => {
    const b = api(ctx, { key: KEYS.bAdmin });
    // Each upload stores the CSV and its manifest (about 1 kB): the quota of 2000 bytes is
    // reached after a few, and the next one is refused before its body is stored.
    const statuses: number[] = [];
    let full;
    for (let i = 0; i < 6 && !full; i++) {
      const res = await b.form('/v1/datasets', [{ name: 'file', filename: 'rows.csv', data: CSV }]);
      statuses.push(res.status);
      if (res.status === 507) full = res;
    }
    expect(statuses[0]).toBe(201);
    expect(full?.body).toMatchObject({ quota: 'storedBytes', limit: 2000 });
    expect(full?.body['detail']).toMatch(/quota of 2000 bytes \(storedBytes\)/);
    const listed = (await b.get('/v1/datasets')).body['items'] as unknown[];
    expect(listed.length).toBe(statuses.filter((s) => s === 201).length);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => b.post('/v1/models/nothing/predict', { instances: [[1]] })),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body).toMatchObject({ quota: 'predictsPerSecond', limit: 2 });
    // team-a has no quotas: the same requests are only 404s there.
    const a = await Promise.all(
      Array.from({ length: 6 }, () =>
        api(ctx, { key: KEYS.aAdmin }).post('/v1/models/nothing/predict', { instances: [[1]] }),
      ),
    );
    expect(a.map((r) => r.status)).toEqual(Array(6).fill(404));
  });

  it('holds a project to its concurrent jobs without touching another project', async () => {
    const c = api(ctx, { key: KEYS.cTrain });
    const ds = await c.uploadDataset(CSV, 'rows.csv');
    const spec = { datasetId: ds['id'], architecture: [{ type: 'dense', units: 4 }], fit: { epochs: 1 } };
    await c.createJob(spec);
    const second = await c.post('/v1/jobs', spec);
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ quota: 'concurrentJobs', limit: 1 });
    // Without a worker the first job stays queued; another project queues freely.
    const a = api(ctx, { key: KEYS.aTrain });
    const dsA = await a.uploadDataset(CSV, 'rows.csv');
    const specA = { ...spec, datasetId: dsA['id'] };
    await a.createJob(specA);
    await a.createJob(specA);
    expect(((await a.get('/v1/jobs')).body['items'] as unknown[]).length).toBe(2);
    expect(((await c.get('/v1/jobs')).body['items'] as unknown[]).length).toBe(1);
  });
});

describe('keys where the service has none', () => {
  it('refuses to create a key on an open service, which would open nothing', async () => {
    const open = await buildTestApp();
    try {
      const me = await api(open).get('/v1/me');
      expect(me.body).toMatchObject({ project: 'default', authenticated: false });
      const created = await api(open).post('/v1/keys', { id: 'app', roles: ['predict'] });
      expect(created.status).toBe(409);
      expect(created.body['detail']).toMatch(/set API_KEYS or API_KEYS_FILE/);
    } finally {
      await open.close();
    }
  });

  it('opens nothing with an empty keys file', async () => {
    const closed = await buildAppWithKeys([]);
    try {
      expect((await api(closed).get('/v1/me')).status).toBe(401);
      expect((await api(closed).get('/v1/datasets')).status).toBe(401);
      expect(closed.config.HOST).toBe('0.0.0.0');
    } finally {
      await closed.close();
    }
  });
});
