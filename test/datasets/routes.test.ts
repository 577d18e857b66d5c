import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { classZip, jpeg, numberedPng, png, zipOf } from '../helpers/dataset-fixtures.js';

describe('/v1/datasets routes', () => {
  let ctx: TestContext;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    ctx = await buildTestApp();
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    api = request(ctx.app.server);
  });
  afterAll(() => ctx.close());

  const upload = (data: Buffer, filename: string, name?: string) => {
    const req = api.post('/v1/datasets');
    return (name ? req.field('name', name) : req).attach('file', data, filename);
  };

  it('lists, pages, inspects and deletes datasets', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const zip = await classZip({ a: [await numberedPng(i)], b: [await numberedPng(100 + i)] });
      const res = await upload(zip, `d${i}.zip`, `set ${i}`);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const all = await api.get('/v1/datasets').expect(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((d: { id: string }) => d.id).sort()).toEqual([...ids].sort());
    const page = await api.get('/v1/datasets?limit=2&offset=2').expect(200);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page.body.items).toHaveLength(1);
    await api.get('/v1/datasets?limit=0').expect(400);

    const one = await api.get(`/v1/datasets/${ids[1]}`).expect(200);
    expect(one.body).toMatchObject({ id: ids[1], name: 'set 1', kind: 'image' });

    for (const id of ids) await api.delete(`/v1/datasets/${id}`).expect(204);
    expect((await api.get('/v1/datasets').expect(200)).body.total).toBe(0);
    expect(await readdir(path.join(ctx.dataDir, 'datasets'))).toEqual([]);
    const gone = await api.get(`/v1/datasets/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toMatch(/not found/);
    await api.delete(`/v1/datasets/${ids[0]}`).expect(404);
  });

  it('answers 404 for unknown ids and 400 for malformed ones', async () => {
    await api.get('/v1/datasets/ds_0000000000000000').expect(404);
    await api.get('/v1/datasets/ds_0000000000000000/examples').expect(404);
    for (const bad of ['nope', '..%2F..%2Fetc', 'ds_ABC', 'ds_0000000000000000x']) {
      const res = await api.get(`/v1/datasets/${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('params.id');
      await api.delete(`/v1/datasets/${bad}`).expect(400);
    }
  });

  it('lists examples with labels and sizes, filters them, and serves each image', async () => {
    const cat0 = await png(7, 5, [200, 10, 10]);
    const cat1 = await jpeg(9, 9, [190, 20, 20]);
    const dog0 = await png(6, 6, [10, 10, 200]);
    const res = await upload(
      await zipOf([
        { name: 'cat/0.png', data: cat0 },
        { name: 'cat/1.jpg', data: cat1 },
        { name: 'dog/0.png', data: dog0 },
      ]),
      'pets.zip',
    );
    const id = res.body.id as string;
    const list = await api.get(`/v1/datasets/${id}/examples`).expect(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((e: { file: string; label: string }) => [e.file, e.label])).toEqual([
      ['cat/0.png', 'cat'],
      ['cat/1.jpg', 'cat'],
      ['dog/0.png', 'dog'],
    ]);
    expect(list.body.items[1]).toMatchObject({
      width: 9,
      height: 9,
      format: 'jpeg',
      bytes: cat1.length,
      split: 'train',
    });

    const cats = await api.get(`/v1/datasets/${id}/examples?label=cat&limit=1&offset=1`).expect(200);
    expect(cats.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(cats.body.items[0].file).toBe('cat/1.jpg');
    const unknown = await api.get(`/v1/datasets/${id}/examples?label=bird`).expect(400);
    expect(unknown.body.detail).toMatch(/'bird' is not a class of this dataset \(cat, dog\)/);

    const img = await api
      .get(`/v1/datasets/${id}/examples/${list.body.items[1].id}`)
      .buffer(true)
      .expect(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(img.body as Buffer, cat1)).toBe(0);
    const pngRes = await api
      .get(`/v1/datasets/${id}/examples/${list.body.items[2].id}`)
      .buffer(true)
      .expect(200);
    expect(pngRes.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(pngRes.body as Buffer, dog0)).toBe(0);
    await api.get(`/v1/datasets/${id}/examples/ex_0000000000000000`).expect(404);
    await api.get(`/v1/datasets/${id}/examples/..%2Fmanifest.json`).expect(400);
    await api.delete(`/v1/datasets/${id}`).expect(204);
  });

  it('lists the rows of a tabular dataset', async () => {
    const csv = 'f1,f2,label\n1,10,a\n2,20,b\n3,30,a\n4,40,b\n';
    const res = await api.post('/v1/datasets').attach('file', Buffer.from(csv), 't.csv').expect(201);
    const rows = await api.get(`/v1/datasets/${res.body.id}/examples?label=b`).expect(200);
    expect(rows.body).toMatchObject({
      total: 2,
      items: [
        { row: 2, label: 'b', split: 'train', features: [2, 20] },
        { row: 4, label: 'b', split: 'train', features: [4, 40] },
      ],
    });
    await api.get(`/v1/datasets/${res.body.id}/examples/ex_0000000000000000`).expect(404);
    await api.delete(`/v1/datasets/${res.body.id}`).expect(204);
  });

  it('refuses to delete a dataset a queued job uses (409), then deletes it', async () => {
    const res = await upload(
      await classZip({ a: [await numberedPng(1)], b: [await numberedPng(2)] }),
      'x.zip',
    );
    const id = res.body.id as string;
    // A queued training job referencing the dataset (no worker runs here, so it stays queued).
    const job = await ctx.runtime.queues.queue.add('train', { datasetId: id, spec: {} });
    const conflict = await api.delete(`/v1/datasets/${id}`).expect(409);
    expect(conflict.body.detail).toMatch(/used by a queued or running job/);
    await api.get(`/v1/datasets/${id}`).expect(200);
    await job.remove();
    await api.delete(`/v1/datasets/${id}`).expect(204);
  });

  it('stores ten concurrent uploads, none mixed up', async () => {
    const sets = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const images = {
          [`left${i}`]: [await numberedPng(i * 10 + 1), await numberedPng(i * 10 + 2)],
          [`right${i}`]: [await numberedPng(i * 10 + 3)],
        };
        return { i, images, zip: await classZip(images) };
      }),
    );
    const results = await Promise.all(sets.map((s) => upload(s.zip, `c${s.i}.zip`, `concurrent ${s.i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(10);

    for (const s of sets) {
      const ds = results[s.i]?.body;
      expect(ds.name).toBe(`concurrent ${s.i}`);
      expect(ds.classes.map((c: { name: string; count: number }) => [c.name, c.count])).toEqual([
        [`left${s.i}`, 2],
        [`right${s.i}`, 1],
      ]);
      const examples = await api.get(`/v1/datasets/${ds.id}/examples`).expect(200);
      for (const e of examples.body.items as Array<{ id: string; file: string; label: string }>) {
        const [cls, file] = e.file.split('/') as [string, string];
        const original = s.images[cls]?.[Number(file.replace('.png', ''))] as Buffer;
        const served = await api.get(`/v1/datasets/${ds.id}/examples/${e.id}`).buffer(true).expect(200);
        expect(Buffer.compare(served.body as Buffer, original)).toBe(0);
      }
    }
    for (const r of results) await api.delete(`/v1/datasets/${r.body.id}`).expect(204);
  });

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const { port } = ctx.app.server.address() as AddressInfo;
    const zip = await classZip({ a: [await numberedPng(1)], b: [await numberedPng(2)] });
    const boundary = 'x-boundary-123';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.zip"\r\n` +
        'Content-Type: application/zip\r\n\r\n',
    );
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/v1/datasets',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + 10 * zip.length + 100),
      },
    });
    req.on('error', () => undefined);
    req.write(head);
    req.write(zip.subarray(0, zip.length >> 1));
    // Wait until the server is streaming the upload into staging, then vanish.
    const tmp = path.join(ctx.dataDir, '.tmp');
    await waitFor(async () => (await readdir(tmp)).some((d) => d.startsWith('upload@')), 10_000);
    req.destroy();
    await waitFor(async () => (await readdir(tmp)).length === 0, 10_000);
    expect(await readdir(path.join(ctx.dataDir, 'datasets'))).toEqual([]);
    // The server carries on.
    await api.get('/v1/datasets').expect(200);
  });
});

describe('openapi.yaml', () => {
  it('documents every dataset route', async () => {
    const { loadOpenApi } = await import('../../src/http/plugins/docs.js');
    const paths = loadOpenApi()['paths'] as Record<string, Record<string, unknown>>;
    for (const [p, method] of [
      ['/v1/datasets', 'post'],
      ['/v1/datasets', 'get'],
      ['/v1/datasets/{id}', 'get'],
      ['/v1/datasets/{id}', 'delete'],
      ['/v1/datasets/{id}/examples', 'get'],
      ['/v1/datasets/{id}/examples/{exampleId}', 'get'],
    ] as const) {
      expect(paths[p]?.[method], `${method} ${p}`).toBeDefined();
    }
  });
});
