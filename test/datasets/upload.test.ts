import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { classZip, jpeg, png, zipOf, type ZipItem } from '../helpers/dataset-fixtures.js';
import type { Part } from '../helpers/multipart.js';

describe('POST /v1/datasets: accepted layouts', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const upload = (data: Buffer, filename: string, fields: Record<string, string> = {}) =>
    http.form('/v1/datasets', [
      ...Object.entries(fields).map(([name, value]): Part => ({ name, data: value })),
      { name: 'file', filename, data },
    ]);

  it('stores a folder-per-class zip with classes, counts, shapes, hash and warnings', async () => {
    const red = await png(10, 6, [255, 0, 0]);
    const zip = await classZip({
      cats: await Promise.all([png(10, 6, [255, 0, 0]), png(20, 8, [250, 0, 0]), png(30, 12, [240, 0, 0])]),
      dogs: [await jpeg(12, 12, [0, 0, 255]), await jpeg(14, 16, [0, 0, 250]), red],
    });
    const res = await upload(zip, 'pets.zip', { name: 'pets' });
    expect(res.status).toBe(201);
    const ds = res.body;
    expect(ds.id).toMatch(/^ds_[0-9a-z]{16}$/);
    expect(res.headers['location']).toBe(`/v1/datasets/${ds.id}`);
    expect(ds).toMatchObject({
      name: 'pets',
      kind: 'image',
      task: 'classification',
      layout: 'folders',
      examples: 6,
      classes: [
        { name: 'cats', count: 3, splits: { train: 3, validation: 0, test: 0 } },
        { name: 'dogs', count: 3, splits: { train: 3, validation: 0, test: 0 } },
      ],
      split: { provided: false, counts: { train: 6, validation: 0, test: 0 } },
      source: { filename: 'pets.zip', bytes: zip.length },
      formats: { png: 4, jpeg: 2 },
    });
    expect(ds.exampleShape.width).toEqual({ min: 10, median: 13, max: 30 });
    expect(ds.exampleShape.height).toEqual({ min: 6, median: 10, max: 16 });
    expect(ds.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Date(ds.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const codes = ds.warnings.map((w: { code: string }) => w.code);
    expect(codes).toContain('few-examples');
    // dogs/2.png is the same bytes as cats/0.png
    const dup = ds.warnings.find((w: { code: string }) => w.code === 'duplicates');
    expect(dup.items).toEqual(['cats/0.png = dogs/2.png']);
    expect(dup.message).toContain('different labels');

    // Original bytes are kept, one file per example, and nothing is left in staging.
    const stored = await readdir(path.join(ctx.dataDir, 'datasets', ds.id, 'examples'));
    expect(stored).toHaveLength(6);
    expect(stored.filter((f) => f.endsWith('.jpg'))).toHaveLength(2);
    expect(await readdir(path.join(ctx.dataDir, '.tmp'))).toEqual([]);
  });

  it('strips one enclosing folder and ignores macOS debris', async () => {
    const img = await png(4, 4, [1, 2, 3]);
    const items: ZipItem[] = [
      { name: 'photos/a/1.png', data: img },
      { name: 'photos/a/2.png', data: await png(4, 4, [9, 9, 9]) },
      { name: 'photos/b/1.png', data: await png(5, 5, [1, 1, 1]) },
      { name: 'photos/.DS_Store', data: Buffer.from('junk') },
      { name: '__MACOSX/photos/a/._1.png', data: Buffer.from('junk') },
    ];
    const res = await upload(await zipOf(items), 'photos.zip');
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('photos');
    expect(res.body.classes.map((c: { name: string }) => c.name)).toEqual(['a', 'b']);
    expect(res.body.skipped.count).toBe(0);
  });

  it('keeps train/val/test split folders as the split', async () => {
    const items: ZipItem[] = [];
    let n = 0;
    for (const [split, count] of [
      ['train', 4],
      ['val', 2],
      ['test', 1],
    ] as const) {
      for (const cls of ['x', 'y']) {
        for (let i = 0; i < count; i++) {
          items.push({ name: `data/${split}/${cls}/${i}.png`, data: await png(3, 3, [n++, 0, 0]) });
        }
      }
    }
    const res = await upload(await zipOf(items), 'split.zip');
    expect(res.status).toBe(201);
    expect(res.body.split).toEqual({ provided: true, counts: { train: 8, validation: 4, test: 2 } });
    expect(res.body.classes).toEqual([
      { name: 'x', count: 7, splits: { train: 4, validation: 2, test: 1 } },
      { name: 'y', count: 7, splits: { train: 4, validation: 2, test: 1 } },
    ]);
  });

  it('reads every supported format: JPEG, PNG, WebP, GIF, AVIF, TIFF', async () => {
    const base = () => sharp({ create: { width: 6, height: 4, channels: 3, background: '#336699' } });
    const encoded = {
      'a.jpg': await base().jpeg().toBuffer(),
      'b.png': await base().png().toBuffer(),
      'c.webp': await base().webp().toBuffer(),
      'd.gif': await base().gif().toBuffer(),
      'e.avif': await base().avif().toBuffer(),
      'f.tiff': await base().tiff().toBuffer(),
    };
    const items: ZipItem[] = [];
    for (const [name, data] of Object.entries(encoded)) {
      items.push({ name: `one/${name}`, data }, { name: `two/${name}`, data: Buffer.from(data) });
    }
    const res = await upload(await zipOf(items), 'formats.zip');
    expect(res.status).toBe(201);
    expect(res.body.formats).toEqual({ jpeg: 2, png: 2, webp: 2, gif: 2, avif: 2, tiff: 2 });
    expect(res.body.exampleShape.width).toEqual({ min: 6, median: 6, max: 6 });
  });

  it('accepts images plus labels.csv and skips what is unlisted or unreadable', async () => {
    const items: ZipItem[] = [
      {
        name: 'labels.csv',
        data: Buffer.from(
          'filename,label\nimg/1.png,ok\nimg/2.png,ok\n3.png,bad\n4.png,bad\nmissing.png,bad\n',
        ),
      },
      { name: 'img/1.png', data: await png(4, 4, [1, 0, 0]) },
      { name: 'img/2.png', data: await png(4, 4, [2, 0, 0]) },
      { name: '3.png', data: await png(4, 4, [3, 0, 0]) },
      { name: '4.png', data: Buffer.from('this is not a png') },
      { name: 'extra.png', data: await png(4, 4, [5, 0, 0]) },
    ];
    const res = await upload(await zipOf(items), 'flat.zip');
    expect(res.status).toBe(201);
    expect(res.body.layout).toBe('labels-csv');
    expect(res.body.classes.map((c: { name: string; count: number }) => [c.name, c.count])).toEqual([
      ['bad', 1],
      ['ok', 2],
    ]);
    const skipped = Object.fromEntries(
      res.body.skipped.files.map((f: { path: string; reason: string }) => [f.path, f.reason]),
    );
    expect(skipped['extra.png']).toBe('not listed in labels.csv');
    expect(skipped['4.png']).toMatch(/^unreadable image/);
    expect(skipped['missing.png']).toMatch(/not in the archive/);
    expect(res.body.warnings.map((w: { code: string }) => w.code)).toContain('skipped-files');
  });

  it('skips unreadable images inside a good archive and lists why', async () => {
    const good = await png(8, 8, [10, 20, 30]);
    const truncated = (await png(64, 64, [200, 100, 50])).subarray(0, 60);
    const items: ZipItem[] = [
      { name: 'a/1.png', data: good },
      { name: 'a/2.png', data: truncated },
      { name: 'a/notes.txt', data: Buffer.from('hello') },
      { name: 'b/1.png', data: await png(8, 8, [1, 2, 3]) },
      { name: 'b/2.jpg', data: Buffer.from('garbage bytes') },
      { name: 'loose.png', data: good },
    ];
    const res = await upload(await zipOf(items), 'mixed.zip');
    expect(res.status).toBe(201);
    expect(res.body.examples).toBe(2);
    const reasons = Object.fromEntries(
      res.body.skipped.files.map((f: { path: string; reason: string }) => [f.path, f.reason]),
    );
    expect(Object.keys(reasons).sort()).toEqual(['a/2.png', 'a/notes.txt', 'b/2.jpg', 'loose.png']);
    expect(reasons['a/2.png']).toMatch(/^unreadable image/);
    expect(reasons['a/notes.txt']).toMatch(/not an image/);
    expect(reasons['loose.png']).toMatch(/not inside a class folder/);
  });

  it('warns about heavy class imbalance', async () => {
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => png(3, 3, [i, 1, 1])));
    const res = await upload(await classZip({ big: many, small: [await png(3, 3, [0, 0, 200])] }), 'imb.zip');
    expect(res.status).toBe(201);
    const imbalance = res.body.warnings.find((w: { code: string }) => w.code === 'imbalance');
    expect(imbalance.message).toMatch(/'big' has 20 examples, 'small' only 1/);
  });

  it('stores a CSV of numeric features, inferring the task', async () => {
    const csv = 'x1,x2,species\n1,2.5,setosa\n2,3.5,setosa\n3,4.5,virginica\n4,5.5,virginica\n';
    const res = await upload(Buffer.from(csv), 'iris.csv', { labelColumn: 'species' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'tabular',
      task: 'classification',
      labelColumn: 'species',
      features: ['x1', 'x2'],
      exampleShape: { features: 2 },
      examples: 4,
      classes: [
        { name: 'setosa', count: 2 },
        { name: 'virginica', count: 2 },
      ],
    });

    const reg = await upload(Buffer.from('a,b,label\n1,2,0.5\n2,3,1.25\n3,4,2.75\n'), 'reg.csv');
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ task: 'regression', classes: [], target: { min: 0.5, max: 2.75 } });

    const forced = await upload(Buffer.from('a,label\n1,0\n2,1\n3,0\n4,1\n'), 'bin.csv', {
      task: 'regression',
    });
    expect(forced.status).toBe(201);
    expect(forced.body.task).toBe('regression');
  });
});
