import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classNameProblem,
  nameCharacterProblem,
  userNameSchema,
  visibleName,
} from '../../src/contracts/user-names.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { classZip, png, zipOf } from '../helpers/dataset-fixtures.js';

/**
 * One name rule for every name a user gives (contracts/user-names.ts): NFC, no control or
 * bidi-override characters (400 naming the field; inside archives, skipped with a warning),
 * classes that collide after normalisation refused naming both spellings, and the class names
 * JSON parsers treat specially refused at upload.
 */
const RLO = '\u202e';
const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';

describe('the name rule', () => {
  it('refuses control and bidi characters, keeps marks right-to-left scripts need', () => {
    expect(nameCharacterProblem(`a\u0000b`)).toMatch(/control character \(U\+0000\)/);
    expect(nameCharacterProblem(`a\nb`)).toMatch(/control character \(U\+000A\)/);
    expect(nameCharacterProblem(`a\u0085b`)).toMatch(/control character \(U\+0085\)/);
    expect(nameCharacterProblem(`invoice${RLO}fdp.exe`)).toMatch(
      /bidirectional control character \(U\+202E\)/,
    );
    expect(nameCharacterProblem(`a\u2066b`)).toMatch(/U\+2066/);
    expect(nameCharacterProblem('שלום\u200f world')).toBeUndefined();
    expect(nameCharacterProblem(NFD)).toBeUndefined();
  });

  it('normalises to NFC and trims', () => {
    expect(userNameSchema().parse(`  ${NFD} `)).toBe(NFC);
    expect(userNameSchema().safeParse(`x${RLO}`).success).toBe(false);
    expect(userNameSchema().safeParse('   ').success).toBe(false);
  });

  it('reserves the keys JSON parsers treat specially as class names', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(classNameProblem(name)).toMatch(/reserved: JSON parsers and JavaScript objects/);
    }
    expect(classNameProblem('proto')).toBeUndefined();
  });

  it('writes hidden characters out when showing a name back', () => {
    expect(visibleName(`a${RLO}b\u0000`)).toBe('a\\u{202e}b\\u{0}');
  });
});

describe('names in uploads', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const csv = (labels: string[]) =>
    `text,label\n${labels.map((l, i) => `text number ${i},${l}`).join('\n')}\n`;
  const twoClasses = async () =>
    classZip({ red: [await png(4, 4, [255, 0, 0])], blue: [await png(4, 4, [0, 0, 255])] });

  it('refuses a dataset name with a control or bidi character, naming the field', async () => {
    for (const name of [`evil\u0000name`, `invoice${RLO}fdp.exe`]) {
      const res = await http.form('/v1/datasets', [
        { name: 'name', data: name },
        { name: 'file', filename: 'c.zip', data: await twoClasses() },
      ]);
      expect(res.status, res.text).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
    }
  });

  it('stores dataset names in NFC', async () => {
    const res = await http.form('/v1/datasets', [
      { name: 'name', data: NFD },
      { name: 'file', filename: 'c.zip', data: await twoClasses() },
    ]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe(NFC);
  });

  it('refuses an upload whose file name holds a bidi override', async () => {
    const res = await http.form('/v1/datasets', [
      { name: 'file', filename: `photos${RLO}piz.zip`, data: await twoClasses() },
    ]);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'file' })]);
    expect(res.body.detail).toContain('\\u{202e}');
  });

  it('refuses class folders that are one name in two Unicode spellings, naming both', async () => {
    const zip = await classZip({
      [NFC]: [await png(4, 4, [255, 0, 0])],
      [NFD]: [await png(4, 4, [0, 255, 0])],
      tea: [await png(4, 4, [0, 0, 255])],
    });
    const res = await http.form('/v1/datasets', [{ name: 'file', filename: 'c.zip', data: zip }]);
    expect(res.status, res.text).toBe(400);
    expect(res.body.detail).toContain("spelled 'caf\\u{e9}' and 'cafe\\u{301}'");
  });

  it('refuses the same collision in text and tabular labels', async () => {
    const text = await http.form('/v1/datasets', [
      { name: 'file', filename: 't.csv', data: csv([NFC, NFD, 'tea']) },
    ]);
    expect(text.status, text.text).toBe(400);
    expect(text.body.detail).toMatch(/two Unicode spellings/);
    const table = `x,label\n1,${NFC}\n2,${NFD}\n3,tea\n4,tea\n`;
    const tab = await http.form('/v1/datasets', [{ name: 'file', filename: 'n.csv', data: table }]);
    expect(tab.status, tab.text).toBe(400);
    expect(tab.body.detail).toMatch(/two Unicode spellings/);
  });

  it('refuses class names JSON parsers treat specially, and labels with control characters', async () => {
    for (const label of ['__proto__', 'constructor', 'prototype']) {
      const res = await http.form('/v1/datasets', [
        { name: 'file', filename: 't.csv', data: csv([label, 'other']) },
      ]);
      expect(res.status, res.text).toBe(400);
      expect(res.body.detail).toContain(`class '${label}' is reserved`);
    }
    const table = `x,label\n1,ok\n2,"bad\u0007bell"\n`;
    const tab = await http.form('/v1/datasets', [{ name: 'file', filename: 'n.csv', data: table }]);
    expect(tab.status, tab.text).toBe(400);
    expect(tab.body.detail).toContain("class 'bad\\u{7}bell' holds a control character (U+0007)");
  });

  it('skips archive entries whose names hold bidi or control characters, with a warning', async () => {
    const red = await png(4, 4, [255, 0, 0]);
    const blue = await png(4, 4, [0, 0, 255]);
    const zip = await zipOf([
      { name: 'red/1.png', data: red },
      { name: 'blue/1.png', data: blue },
      { name: `red/gnp${RLO}.exe.png`, data: red },
    ]);
    const res = await http.form('/v1/datasets', [{ name: 'file', filename: 'c.zip', data: zip }]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.examples).toBe(2);
    expect(JSON.stringify(res.body)).not.toContain(RLO);
    const skipped = res.body.warnings.find((w: { code: string }) => w.code === 'skipped-files');
    expect(skipped.items.join('\n')).toContain('red/gnp\\u{202e}.exe.png');
  });

  it('says why a classWeight keyed by __proto__ is refused, instead of "not valid JSON"', async () => {
    const json = { headers: { 'content-type': 'application/json' } };
    const res = await http.post(
      '/v1/jobs',
      '{"datasetId":"ds_0123456789abcdef","classWeight":{"__proto__":2}}',
      json,
    );
    expect(res.status, res.text).toBe(400);
    expect(res.body.detail).toMatch(/key named '__proto__'.*no class may be named __proto__/);
    const broken = await http.post('/v1/jobs', '{"datasetId":', json);
    expect(broken.status).toBe(400);
    expect(broken.body.detail).not.toMatch(/__proto__/);
  });

  it('refuses a base-model name with a bidi override, naming the field', async () => {
    const res = await http.post('/v1/base-models', {
      url: 'https://example.invalid/model.json',
      name: `m${RLO}x`,
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
  });
});
