import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { mnistZip } from '../helpers/mnist-zip.js';

/** Dataset versions: exactly the requested examples and labels, the parent untouched. */
describe('dataset versions', () => {
  let ctx: TestContext;
  let http: Api;
  const all = async (id: string) => {
    const res = await http.get(`/v1/datasets/${id}/examples?limit=1000`);
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, unknown>>;
  };
  /** A GET that must answer 200; its JSON. */
  const view = async (url: string) => {
    const res = await http.get(url);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  }, 60_000);
  afterAll(() => ctx.close());

  it('excludes and relabels images into a new dataset, leaves the parent as it was, and outlives it', async () => {
    const parent = (await http.uploadDataset(await mnistZip([1, 7], 5), 'digits.zip', { name: 'digits' })).id;
    const before = await all(parent);
    const parentManifest = await view(`/v1/datasets/${parent}`);
    const ones = before.filter((e) => e.label === '1').map((e) => e.id as string);
    const sevens = before.filter((e) => e.label === '7').map((e) => e.id as string);
    const res = await http.post(`/v1/datasets/${parent}/versions`, {
      name: 'digits fixed',
      exclude: [ones[0], sevens[1]],
      relabel: [
        { exampleId: ones[2], label: '7' },
        { exampleId: sevens[3], label: 'four' },
      ],
    });
    expect(res.status).toBe(201);
    const v = res.body;
    expect(v.id).not.toBe(parent);
    expect(v.name).toBe('digits fixed');
    expect(v.examples).toBe(8);
    expect(v.parent).toEqual({
      datasetId: parent,
      excluded: [ones[0], sevens[1]],
      relabelled: [
        { exampleId: ones[2], from: '1', to: '7' },
        { exampleId: sevens[3], from: '7', to: 'four' },
      ],
    });
    expect(v.classes.map((c: { name: string; count: number }) => [c.name, c.count])).toEqual([
      ['1', 3],
      ['7', 4],
      ['four', 1],
    ]);
    const after = await all(v.id);
    const labelOf = new Map(after.map((e) => [e.id, e.label]));
    expect(labelOf.has(ones[0])).toBe(false);
    expect(labelOf.has(sevens[1])).toBe(false);
    expect(labelOf.get(ones[2])).toBe('7');
    expect(labelOf.get(sevens[3])).toBe('four');
    for (const e of before) {
      if (e.id === ones[0] || e.id === sevens[1] || e.id === ones[2] || e.id === sevens[3]) continue;
      expect(labelOf.get(e.id)).toBe(e.label);
    }
    // The parent: same examples, same labels, same manifest.
    expect(await all(parent)).toEqual(before);
    expect(await view(`/v1/datasets/${parent}`)).toEqual(parentManifest);

    // Policy: a version keeps its own copy, so its parent can go and the version stays whole.
    const img = await http.get(`/v1/datasets/${v.id}/examples/${ones[2]}`);
    expect(img.status).toBe(200);
    expect((await http.delete(`/v1/datasets/${parent}`)).status).toBe(204);
    const again = await http.get(`/v1/datasets/${v.id}/examples/${ones[2]}`);
    expect(again.status).toBe(200);
    expect(Buffer.compare(again.raw, img.raw)).toBe(0);
    expect(await all(v.id)).toEqual(after);
    expect((await view(`/v1/datasets/${v.id}`)).parent.datasetId).toBe(parent);
  }, 120_000);

  it('versions a text dataset by its texts’ sources', async () => {
    const csv = await readFile(new URL('../../samples/mails.csv', import.meta.url));
    const parent = (await http.uploadDataset(csv, 'mails.csv')).id as string;
    const before = await all(parent);
    const first = before[0]!;
    const created = await http.post(`/v1/datasets/${parent}/versions`, {
      exclude: [before[1]!.ref],
      relabel: [{ exampleId: first.ref, label: 'ham' }],
    });
    expect(created.status).toBe(201);
    const v = created.body;
    expect(first.label).toBe('spam');
    expect(v.examples).toBe(before.length - 1);
    const after = await all(v.id);
    expect(after.map((e) => e.ref)).toEqual(before.filter((_, i) => i !== 1).map((e) => e.ref));
    expect(after[0]).toEqual({ ...first, label: 'ham' });
    expect(after.slice(1)).toEqual(before.slice(2));
    expect(await all(parent)).toEqual(before);
  }, 60_000);

  it('answers a wrong request with a 400 naming each bad example and stores nothing', async () => {
    const parent = (await http.uploadDataset(await mnistZip([1, 7], 3), 'digits.zip', { name: 'digits' })).id;
    const ids = (await all(parent)).map((e) => e.id as string);
    const list = async () => (await view('/v1/datasets?limit=100')).total as number;
    const count = await list();
    const bad = await http.post(`/v1/datasets/${parent}/versions`, {
      exclude: [ids[0], 'ex_nope'],
      relabel: [{ exampleId: ids[0], label: '7' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const paths = (bad.body.errors as Array<{ path: string; message: string }>).map((e) => e.path);
    expect(paths).toEqual(['body.exclude.1', 'body.relabel.0.exampleId']);
    expect(bad.body.detail).toMatch(/ex_nope/);
    expect((await http.post(`/v1/datasets/${parent}/versions`, {})).status).toBe(400);
    const empty = await http.post(`/v1/datasets/${parent}/versions`, { exclude: ids });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/no examples left/);
    expect((await http.post('/v1/datasets/ds_0000000000000000/versions', { exclude: ['x'] })).status).toBe(
      404,
    );
    expect(await list()).toBe(count);
  }, 60_000);
});
