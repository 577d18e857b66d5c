import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { classZip, jpeg, numberedPng, png, zipOf } from '../helpers/dataset-fixtures.js';

describe('/v1/datasets routes', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp();
    // The disconnect-mid-upload test below needs a real socket to cut.
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const upload = (data: Buffer, filename: string, name?: string) =>
    http.form('/v1/datasets', [
      ...(name ? [{ name: 'name', data: name }] : []),
      { name: 'file', filename, data },
    ]);

  it('lists, pages, inspects and deletes datasets', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const zip = await classZip({ a: [await numberedPng(i)], b: [await numberedPng(100 + i)] });
      const res = await upload(zip, `d${i}.zip`, `set ${i}`);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const all = await http.get('/v1/datasets');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((d: { id: string }) => d.id).sort()).toEqual([...ids].sort());
    const page = await http.get('/v1/datasets?limit=2&offset=2');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page.body.items).toHaveLength(1);
    expect((await http.get('/v1/datasets?limit=0')).status).toBe(400);

    const one = await http.get(`/v1/datasets/${ids[1]}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[1], name: 'set 1', kind: 'image' });

    for (const id of ids) expect((await http.delete(`/v1/datasets/${id}`)).status).toBe(204);
    const none = await http.get('/v1/datasets');
    expect(none.status).toBe(200);
    expect(none.body.total).toBe(0);
    expect(await readdir(path.join(ctx.dataDir, 'datasets'))).toEqual([]);
    const gone = await http.get(`/v1/datasets/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toMatch(/not found/);
    expect((await http.delete(`/v1/datasets/${ids[0]}`)).status).toBe(404);
  });

  it('answers 404 for unknown ids and 400 for malformed ones', async () => {
    expect((await http.get('/v1/datasets/ds_0000000000000000')).status).toBe(404);
    expect((await http.get('/v1/datasets/ds_0000000000000000/examples')).status).toBe(404);
    for (const bad of ['nope', '..%2F..%2Fetc', 'ds_ABC', 'ds_0000000000000000x']) {
      const res = await http.get(`/v1/datasets/${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('params.id');
      expect((await http.delete(`/v1/datasets/${bad}`)).status).toBe(400);
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
    const list = await http.get(`/v1/datasets/${id}/examples`);
    expect(list.status).toBe(200);
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

    const cats = await http.get(`/v1/datasets/${id}/examples?label=cat&limit=1&offset=1`);
    expect(cats.status).toBe(200);
    expect(cats.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(cats.body.items[0].file).toBe('cat/1.jpg');
    const unknown = await http.get(`/v1/datasets/${id}/examples?label=bird`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/'bird' is not a class of this dataset \(cat, dog\)/);

    const img = await http.get(`/v1/datasets/${id}/examples/${list.body.items[1].id}`);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(img.raw, cat1)).toBe(0);
    const pngRes = await http.get(`/v1/datasets/${id}/examples/${list.body.items[2].id}`);
    expect(pngRes.status).toBe(200);
    expect(pngRes.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(pngRes.raw, dog0)).toBe(0);
    expect((await http.get(`/v1/datasets/${id}/examples/ex_0000000000000000`)).status).toBe(404);
    expect((await http.get(`/v1/datasets/${id}/examples/..%2Fmanifest.json`)).status).toBe(400);
    expect((await http.delete(`/v1/datasets/${id}`)).status).toBe(204);
  });

  it('lists the rows of a tabular dataset', async () => {
    const csv = 'f1,f2,label\n1,10,a\n2,20,b\n3,30,a\n4,40,b\n';
    const res = await http.form('/v1/datasets', [
      { name: 'file', filename: 't.csv', data: Buffer.from(csv) },
    ]);
    expect(res.status).toBe(201);
    const rows = await http.get(`/v1/datasets/${res.body.id}/examples?label=b`);
    expect(rows.status).toBe(200);
    expect(rows.body).toMatchObject({
      total: 2,
      items: [
        { row: 2, label: 'b', split: 'train', features: [2, 20] },
        { row: 4, label: 'b', split: 'train', features: [4, 40] },
      ],
    });
    expect((await http.get(`/v1/datasets/${res.body.id}/examples/ex_0000000000000000`)).status).toBe(404);
    expect((await http.delete(`/v1/datasets/${res.body.id}`)).status).toBe(204);
  });

  it('refuses to delete a dataset a queued job uses (409), then deletes it', async () => {
    const res = await upload(
      await classZip({ a: [await numberedPng(1)], b: [await numberedPng(2)] }),
      'x.zip',
    );
    const id = res.body.id as string;
    // A queued training job referencing the dataset (no worker runs here, so it stays queued).
    const job = await ctx.runtime.queues.queue.add('train', { datasetId: id, spec: {} });
    const conflict = await http.delete(`/v1/datasets/${id}`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.detail).toMatch(/used by a queued or running job/);
    expect((await http.get(`/v1/datasets/${id}`)).status).toBe(200);
    await job.remove();
    expect((await http.delete(`/v1/datasets/${id}`)).status).toBe(204);
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
      const examples = await http.get(`/v1/datasets/${ds.id}/examples`);
      expect(examples.status).toBe(200);
      for (const e of examples.body.items as Array<{ id: string; file: string; label: string }>) {
        const [cls, file] = e.file.split('/') as [string, string];
        const original = s.images[cls]?.[Number(file.replace('.png', ''))] as Buffer;
        const served = await http.get(`/v1/datasets/${ds.id}/examples/${e.id}`);
        expect(served.status).toBe(200);
        expect(Buffer.compare(served.raw, original)).toBe(0);
      }
    }
    for (const r of results) expect((await http.delete(`/v1/datasets/${r.body.id}`)).status).toBe(204);
  });

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const { port } = ctx.app.server.address() as AddressInfo;
    const zip = await classZip({ a: [await numberedPng(1)], b: [await numberedPng(2)] });
    const boundary = 'x-boundary-123';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.zip"\r\n` +
        'Content-Type: application/zip\r\n\r\n',
    );
    // A socket cut mid-upload: what inject cannot do.
    const req = nodeHttp.request({
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
    expect((await http.get('/v1/datasets')).status).toBe(200);
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
