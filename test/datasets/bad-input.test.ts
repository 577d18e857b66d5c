import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api, type Reply } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import type { Part } from '../helpers/multipart.js';
import { classZip, deflatedZeros, png, rawZip, zipOf } from '../helpers/dataset-fixtures.js';

const MB = 1 << 20;

describe('POST /v1/datasets: bad input is refused and nothing is stored', () => {
  let ctx: TestContext;
  let good: Buffer;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp({
      MAX_UPLOAD_BYTES: String(4 * MB),
      MAX_ARCHIVE_ENTRIES: '50',
      MAX_ARCHIVE_BYTES: String(8 * MB),
    });
    http = api(ctx);
    good = await png(4, 4, [10, 20, 30]);
  });
  afterAll(() => ctx.close());

  // Every refused upload must leave DATA_DIR exactly as it was: no dataset, no staging debris.
  afterEach(async () => {
    expect(await readdir(path.join(ctx.dataDir, 'datasets'))).toEqual([]);
    expect(await readdir(path.join(ctx.dataDir, '.tmp'))).toEqual([]);
  });

  const upload = (data: Buffer, filename: string, fields: Record<string, string> = {}) =>
    http.form('/v1/datasets', [
      ...Object.entries(fields).map(([name, value]): Part => ({ name, data: value })),
      { name: 'file', filename, data },
    ]);

  const expectProblem = (res: Reply, status: number, detail: RegExp): void => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(status);
    expect(res.body.detail).toMatch(detail);
  };

  it('415 for an image uploaded instead of a dataset', async () => {
    expectProblem(await upload(good, 'cat.png'), 415, /is a PNG image; upload a zip/);
  });

  it('415 for a binary file that is neither zip nor CSV, and for a fake .zip', async () => {
    expectProblem(await upload(Buffer.from([0, 1, 2, 3, 0, 255, 254]), 'blob.bin'), 415, /neither a zip/);
    expectProblem(await upload(Buffer.from('a,b\n1,2\n'), 'data.zip'), 415, /named \.zip but is not a zip/);
  });

  it('415 when the request is not multipart', async () => {
    const res = await http.post('/v1/datasets', { name: 'x' });
    expect(res.status).toBe(415);
  });

  it('400 when no file is sent, or for unknown fields', async () => {
    const res = await http.form('/v1/datasets', [{ name: 'name', data: 'x' }]);
    expectProblem(res, 400, /no file/);
    expect(res.body.errors[0].path).toBe('body.file');
    expectProblem(
      await upload(await classZip({ a: [good], b: [good] }), 'x.zip', { colour: 'red' }),
      400,
      /unknown field 'colour'/,
    );
    expectProblem(
      await upload(await classZip({ a: [good], b: [good] }), 'x.zip', { task: 'clustering' }),
      400,
      /body\.task/,
    );
  });

  it('400 for an empty file, an empty archive, and a corrupt archive', async () => {
    expectProblem(await upload(Buffer.alloc(0), 'empty.zip'), 400, /file is empty/);
    expectProblem(await upload(await zipOf([]), 'empty.zip'), 400, /archive is empty/);
    expectProblem(
      await upload(
        rawZip([
          { name: 'only/', mode: 0o040755 },
          { name: '__MACOSX/._x.png', data: good },
        ]),
        'dirs.zip',
      ),
      400,
      /no files/,
    );
    const zip = await classZip({ a: [good], b: [good] });
    expectProblem(await upload(zip.subarray(0, zip.length - 30), 'cut.zip'), 400, /not a readable zip/);
  });

  it('400 for a single class', async () => {
    expectProblem(
      await upload(await classZip({ cats: [good, good] }), 'one.zip'),
      400,
      /only one class \('cats'\)/,
    );
    expectProblem(
      await upload(await classZip({ cats: [good], dogs: [Buffer.from('broken')] }), 'one.zip'),
      400,
      /only one class \('cats'\) has readable images/,
    );
  });

  it('400 when no file is an image, or every image is corrupt', async () => {
    const txt = await zipOf([
      { name: 'a/readme.md', data: Buffer.from('x') },
      { name: 'b/readme.md', data: Buffer.from('y') },
    ]);
    // (a zip of class folders of .txt files is a text dataset: test/text/text-datasets.test.ts)
    expectProblem(await upload(txt, 'text.zip'), 400, /holds no images.*not an image/);
    const corrupt = await classZip({
      a: [Buffer.from('nope'), good.subarray(0, 20)],
      b: [Buffer.from('bad')],
    });
    const res = await upload(corrupt, 'corrupt.zip');
    expectProblem(res, 400, /none of the 3 image file\(s\) could be read/);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'file:a/0.png',
      'file:a/1.png',
      'file:b/0.png',
    ]);
  });

  it('400 for zip-slip paths (.. and absolute), nothing written outside', async () => {
    const before = await readdir(path.dirname(ctx.dataDir));
    for (const name of ['../evil.png', 'a/../../evil.png', '/tmp/evil.png', 'C:/evil.png']) {
      const zip = rawZip([
        { name: 'a/1.png', data: good },
        { name: 'b/1.png', data: good },
        { name, data: good },
      ]);
      const res = await upload(zip, 'slip.zip');
      expectProblem(res, 400, /unsafe path/);
      expect(res.body.detail).toContain(name);
    }
    // Other test files create their own temp folders meanwhile, so compare by what the hostile
    // entries would have written: no evil.png next to DATA_DIR, in /tmp, or anywhere inside it.
    const added = (await readdir(path.dirname(ctx.dataDir))).filter((n) => !before.includes(n));
    expect(added.filter((n) => n.includes('evil'))).toEqual([]);
    for (const target of [path.join(path.dirname(ctx.dataDir), 'evil.png'), '/tmp/evil.png', 'C:/evil.png']) {
      expect(existsSync(target), target).toBe(false);
    }
    const inside = await readdir(ctx.dataDir, { recursive: true });
    expect(inside.filter((n) => n.includes('evil'))).toEqual([]);
  });

  it('400 for symlinks in the archive', async () => {
    const zip = rawZip([
      { name: 'a/1.png', data: good },
      { name: 'b/1.png', data: good },
      { name: 'b/link.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ]);
    expectProblem(await upload(zip, 'link.zip'), 400, /'b\/link\.png' is a symbolic link/);
  });

  it('413 for more entries than MAX_ARCHIVE_ENTRIES', async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ name: `c${i % 2}/${i}.png`, data: good }));
    expectProblem(await upload(await zipOf(items), 'many.zip'), 413, /60 entries; the limit is 50/);
  });

  it('413 for a file over MAX_UPLOAD_BYTES', async () => {
    const big = Buffer.alloc(5 * MB, 7);
    expectProblem(await upload(big, 'big.csv'), 413, /upload limit of 4194304 bytes/);
  });

  it('413 for a 1 GB zip bomb, quickly and with bounded memory', async () => {
    const bomb = deflatedZeros(1024);
    expect(bomb.bytes.length).toBeLessThan(2 * MB);
    const entries = [
      { name: 'a/1.png', data: good },
      { name: 'b/1.png', data: good },
    ];
    const honest = rawZip([...entries, { name: 'a/bomb.png', deflated: bomb }]);
    // Headers that lie (claim 1 KB) must not get past the limit either: the real bytes are counted.
    const lying = rawZip([...entries, { name: 'a/bomb.png', deflated: { ...bomb, size: 1024 } }]);
    // Many entries each within limits whose sum is over the limit.
    const spread = rawZip([
      ...entries,
      ...Array.from({ length: 12 }, (_, i) => ({ name: `a/z${i}.png`, deflated: deflatedZeros(1) })),
    ]);

    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    const res = await upload(honest, 'bomb.zip');
    expectProblem(res, 413, /expands to more than 8388608 bytes/);
    const res2 = await upload(lying, 'bomb.zip');
    expect(res2.status).toBe(400);
    expect(res2.body.detail).toMatch(/does not match the size in its header/);
    expectProblem(await upload(spread, 'bomb.zip'), 413, /expands to more than 8388608 bytes/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * MB);
  });

  describe('CSV', () => {
    it('400 naming the rows with missing or non-numeric features', async () => {
      const csv = 'a,b,label\n1,2,x\n3,,y\n4,five,x\n5,6,y\n7,8\n';
      const res = await upload(Buffer.from(csv), 'bad.csv');
      expectProblem(res, 400, /3 row\(s\).*missing or non-numeric/);
      expect(res.body.errors.map((e: { message: string }) => e.message)).toEqual([
        "line 3: row 2: missing 'b'",
        "line 4: row 3: 'b' is not a number ('five')",
        'line 6: row 5 has 2 fields, the header has 3',
      ]);
    });

    it('400 for a label column that does not exist', async () => {
      const res = await upload(Buffer.from('a,b,target\n1,2,x\n3,4,y\n'), 'x.csv');
      expectProblem(res, 400, /label column 'label' is not in the CSV; its columns are: a, b, target/);
      expect(res.body.errors[0].path).toBe('body.labelColumn');
    });

    it('400 for one class only, no rows, or regression on text labels', async () => {
      expectProblem(await upload(Buffer.from('a,label\n1,x\n2,x\n'), 'x.csv'), 400, /only one class \('x'\)/);
      expectProblem(await upload(Buffer.from('a,label\n'), 'x.csv'), 400, /header but no rows/);
      expectProblem(
        await upload(Buffer.from('a,label\n1,x\n2,y\n'), 'x.csv', { task: 'regression' }),
        400,
        /not numbers/,
      );
      expectProblem(await upload(Buffer.from('a,label\n"1,x\n'), 'x.csv'), 400, /not valid CSV/);
    });

    it('400 for a regression task on an image zip', async () => {
      expectProblem(
        await upload(await classZip({ a: [good], b: [good] }), 'x.zip', { task: 'regression' }),
        400,
        /regression needs a CSV/,
      );
    });
  });

  it('spot check: a refused upload does not disturb a later good one', async () => {
    const res = await upload(await classZip({ a: [good], b: [good] }), 'fine.zip');
    expect(res.status).toBe(201);
    expect((await http.delete(`/v1/datasets/${res.body.id}`)).status).toBe(204);
  });
});
