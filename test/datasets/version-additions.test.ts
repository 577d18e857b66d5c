import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAdditions, type AddedExample } from '../../src/datasets/version-additions.js';
import { createVersion } from '../../src/datasets/versions.js';
import { readManifest } from '../../src/datasets/dataset-manifest.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { mnistPng, mnistZip } from '../helpers/mnist-zip.js';

const example = (
  id: string,
  label: string,
  data: Buffer | string,
  contentType = 'application/json',
): AddedExample => ({
  id,
  label,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
  contentType,
  modelId: 'm_0123456789abcdef',
  capturedAt: '2026-12-05T10:00:00.000Z',
  reviewedAt: '2026-12-05T11:00:00.000Z',
});

/** Labelled production inputs added to a dataset version, for each kind of dataset. */
describe('dataset versions with added examples', () => {
  let ctx: TestContext;
  let http: Api;
  const upload = async (csv: string, name: string) =>
    (await http.uploadDataset(Buffer.from(csv), `${name}.csv`)).id as string;
  const examples = async (id: string) => {
    const res = await http.get(`/v1/datasets/${id}/examples?limit=1000`);
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  }, 60_000);
  afterAll(() => ctx.close());

  it('adds images (as files), keeps the parent and records where each came from', async () => {
    const parentId = (await http.uploadDataset(await mnistZip([1, 7], 3), 'digits.zip', { name: 'digits' }))
      .id;
    const parent = await readManifest(ctx.runtime.store, parentId);
    const additions = await prepareAdditions(parent, [
      example('cap_00000000000000a1', '7', await mnistPng(7, 900), 'image/png'),
      example('cap_00000000000000a2', '1', '[0.1, 0.2]'), // a pixel array: not an image file
      example('cap_00000000000000a3', 'nine', await mnistPng(9, 900), 'image/png'),
      example('cap_00000000000000a4', '1', Buffer.from('not a png at all'), 'image/png'),
    ]);
    expect(additions.items.map((i) => i.example.id)).toEqual(['cap_00000000000000a1']);
    expect(additions.skipped.map((s) => s.exampleId)).toEqual([
      'cap_00000000000000a2',
      'cap_00000000000000a3',
      'cap_00000000000000a4',
    ]);
    expect(additions.skipped[1]?.reason).toBe(`'nine' is not a class of dataset '${parentId}'`);
    const v = await createVersion(ctx.runtime.store, parentId, { exclude: [], relabel: [] }, additions);
    expect(v.examples).toBe(7);
    expect(v.classes.map((c) => [c.name, c.count])).toEqual([
      ['1', 3],
      ['7', 4],
    ]);
    expect(v.parent?.added).toEqual([
      {
        exampleId: 'cap_00000000000000a1',
        label: '7',
        modelId: 'm_0123456789abcdef',
        capturedAt: '2026-12-05T10:00:00.000Z',
        reviewedAt: '2026-12-05T11:00:00.000Z',
      },
    ]);
    const added = (await examples(v.id)).find((e) => e.id === 'cap_00000000000000a1');
    expect(added).toMatchObject({ label: '7' });
    const image = await http.get(`/v1/datasets/${v.id}/examples/cap_00000000000000a1`);
    expect(image.status).toBe(200);
    expect(Buffer.compare(image.raw, await mnistPng(7, 900))).toBe(0);
    expect((await readManifest(ctx.runtime.store, parentId)).examples).toBe(6);
  });

  it('adds texts and table rows as sent to /predict, and refuses what is not one', async () => {
    const texts = await upload(
      'text,label\ngreat film,pos\nawful plot,neg\nloved it,pos\nboring,neg\n',
      'reviews',
    );
    const textParent = await readManifest(ctx.runtime.store, texts);
    const t = await prepareAdditions(textParent, [
      example('cap_00000000000000b1', 'pos', '"a delight"'),
      example('cap_00000000000000b2', 'neg', '{"text":"dull"}'),
      example('cap_00000000000000b3', 'neg', '[1, 2]'),
    ]);
    expect(t.skipped).toEqual([
      { exampleId: 'cap_00000000000000b3', reason: 'not a text instance ("..." or { "text": "..." })' },
    ]);
    const tv = await createVersion(ctx.runtime.store, texts, { exclude: [], relabel: [] }, t);
    const textRows = await examples(tv.id);
    expect(textRows.slice(-2)).toMatchObject([
      { ref: 'cap_00000000000000b1', label: 'pos', text: 'a delight' },
      { ref: 'cap_00000000000000b2', label: 'neg', text: 'dull' },
    ]);

    const table = await upload('a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n', 'table');
    const tableParent = await readManifest(ctx.runtime.store, table);
    const r = await prepareAdditions(tableParent, [
      example('cap_00000000000000c1', 'y', '[9, 10]'),
      example('cap_00000000000000c2', 'x', '{"a": 11, "b": 12}'),
      example('cap_00000000000000c3', 'x', '{"a": 11}'),
      example('cap_00000000000000c4', 'x', '[1, "two"]'),
    ]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'not a row of 2 finite numbers (a, b)',
      'not a row of 2 finite numbers (a, b)',
    ]);
    const rv = await createVersion(ctx.runtime.store, table, { exclude: [], relabel: [] }, r);
    const rows = await examples(rv.id);
    // The parent's rows keep their ids; the added ones follow them.
    expect(rows.map((e) => [e.row, e.label, e.features])).toEqual([
      [1, 'x', [1, 2]],
      [2, 'y', [3, 4]],
      [3, 'x', [5, 6]],
      [4, 'y', [7, 8]],
      [5, 'y', [9, 10]],
      [6, 'x', [11, 12]],
    ]);
  });
});
