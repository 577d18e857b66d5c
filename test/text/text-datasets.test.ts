import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { textCsv, textJsonl, textZip, zipOf } from '../helpers/text-fixtures.js';

describe('text datasets', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const upload = (data: Buffer, filename: string, fields: Record<string, string> = {}) =>
    http.form('/v1/datasets', [
      ...Object.entries(fields).map(([name, value]) => ({ name, data: value })),
      { name: 'file', filename, data },
    ]);

  it('ingests a CSV with text and label columns, with token lengths and warnings', async () => {
    const res = await upload(textCsv(6), 'topics.csv');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'text',
      task: 'classification',
      format: 'csv',
      textColumn: 'text',
      labelColumn: 'label',
      examples: 12,
      classes: [
        { name: 'cooking', count: 6 },
        { name: 'sports', count: 6 },
      ],
    });
    expect(res.body.exampleShape.tokens.max).toBeGreaterThan(3);
    const examples = await http.get(`/v1/datasets/${res.body.id}/examples?label=sports&limit=2`);
    expect(examples.status).toBe(200);
    expect(examples.body.total).toBe(6);
    expect(examples.body.items[0]).toMatchObject({ label: 'sports', split: 'train', ref: 'line 2' });
    expect(typeof examples.body.items[0].text).toBe('string');
  });

  it('takes other column names as form fields, JSONL and a zip of class folders', async () => {
    const csv = await upload(textCsv(3, ['body', 'topic']), 'renamed.csv', {
      textColumn: 'body',
      labelColumn: 'topic',
    });
    expect(csv.status, JSON.stringify(csv.body)).toBe(201);
    expect(csv.body).toMatchObject({ kind: 'text', textColumn: 'body', labelColumn: 'topic', examples: 6 });

    const jsonl = await upload(textJsonl(3), 'topics.jsonl');
    expect(jsonl.status, JSON.stringify(jsonl.body)).toBe(201);
    expect(jsonl.body).toMatchObject({ kind: 'text', format: 'jsonl', examples: 6 });

    const zip = await upload(await textZip(3), 'topics.zip');
    expect(zip.status, JSON.stringify(zip.body)).toBe(201);
    expect(zip.body).toMatchObject({ kind: 'text', format: 'folders', examples: 6, textColumn: null });

    // A numeric CSV is still a tabular dataset.
    const tab = await upload(Buffer.from('a,b,label\n1,2,x\n3,4,y\n5,6,x\n'), 'numbers.csv');
    expect(tab.status).toBe(201);
    expect(tab.body.kind).toBe('tabular');
  });

  it('reports empty texts, duplicates and long texts as warnings', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const body = [
      'text,label',
      'the striker scored a goal,sports',
      'the striker scored a goal,sports',
      '"",sports',
      `${long},sports`,
      'the chef baked bread,cooking',
      'the cook stirred soup,cooking',
    ].join('\n');
    const res = await upload(Buffer.from(body), 'warn.csv');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const codes = res.body.warnings.map((w: { code: string }) => w.code);
    expect(codes).toEqual(expect.arrayContaining(['duplicates', 'empty-texts', 'truncated-texts']));
    expect(res.body.examples).toBe(5);
    expect(res.body.skipped.files[0]).toEqual({ path: 'line 4', reason: 'empty text' });
  });

  it('refuses bad text uploads with a 4xx naming what is wrong', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('text,label\nfine text,a\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x62, 0x0a]), // "café,b" in Latin-1
    ]);
    const enc = await upload(latin1, 'latin1.csv');
    expect(enc.status).toBe(400);
    expect(enc.body.detail).toMatch(/not valid UTF-8.*line 3/);
    expect(enc.body.errors[0].message).toBe('line 3: not valid UTF-8');

    const empty = await upload(Buffer.from('text,label\n"",a\n" ",b\n'), 'empty.csv');
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/no usable text: all 2 row\(s\) have an empty 'text'/);

    const headerOnly = await upload(Buffer.from('text,label\n'), 'header.csv');
    expect(headerOnly.status).toBe(400);
    expect(headerOnly.body.detail).toMatch(/no usable text/);

    const nothing = await upload(Buffer.alloc(0), 'nothing.csv');
    expect(nothing.status).toBe(400);
    expect(nothing.body.detail).toMatch(/empty/);

    const badJson = await upload(Buffer.from('{"text": "a", "label": "x"}\n{"text": oops}\n'), 'bad.jsonl');
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors[0].message).toMatch(/^line 2: not valid JSON/);

    const noCol = await upload(Buffer.from('body,label\nhello,a\n'), 'nocol.csv', { textColumn: 'content' });
    expect(noCol.status).toBe(400);
    expect(noCol.body.errors[0].path).toBe('body.textColumn');

    const oneClass = await upload(Buffer.from('text,label\nhello,a\nworld,a\n'), 'one.csv');
    expect(oneClass.status).toBe(400);
    expect(oneClass.body.detail).toMatch(/one class/);

    const zipBad = await upload(
      await zipOf({ 'a/1.txt': Buffer.from([0xff, 0xfe, 0x41]), 'b/2.txt': 'fine' }),
      'bad.zip',
    );
    expect(zipBad.status).toBe(400);
    expect(zipBad.body.detail).toMatch(/a\/1\.txt/);

    const zipEmpty = await upload(await zipOf({ 'a/1.txt': '  ', 'b/2.txt': '' }), 'empty.zip');
    expect(zipEmpty.status).toBe(400);
    expect(zipEmpty.body.detail).toMatch(/no usable text/);
  });
});
