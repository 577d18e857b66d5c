import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNsfwjsMobileNetV2 } from '../../src/base-models/nsfwjs-mobilenet-v2.js';
import { loadModelFromDir } from '../../src/ml/model-io.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { nsfwjsFolder, tinyImageModel, zipFiles } from '../helpers/base-model-fixtures.js';
import type { Part } from '../helpers/multipart.js';
import { zipOf } from '../helpers/dataset-fixtures.js';

let ctx: TestContext;
let http: Api;
let nsfw: Awaited<ReturnType<typeof nsfwjsFolder>>;
let tiny: Awaited<ReturnType<typeof tinyImageModel>>;

beforeAll(async () => {
  ctx = await buildTestApp({ TFJS_BACKEND: 'cpu', MAX_BASE_MODEL_BYTES: String(8 * 1024 * 1024) });
  http = api(ctx);
  await ctx.runtime.backend();
  nsfw = await nsfwjsFolder();
  tiny = await tinyImageModel([32, 32, 3]);
});

afterAll(async () => {
  await ctx?.close();
});

const upload = (parts: Part[]) => http.form('/v1/base-models', parts);

function tinyParts(
  json: unknown = JSON.parse(tiny.modelJson.toString()),
  weights: Buffer = tiny.weights,
): Part[] {
  return [
    { name: 'model.json', filename: 'model.json', data: JSON.stringify(json) },
    { name: 'weights', filename: 'weights.bin', data: weights },
  ];
}

/** Entries under base-models/ and staging folders under .tmp/ (nothing may be left after a failure). */
async function stored(): Promise<{ entries: string[]; staging: string[] }> {
  return {
    entries: await readdir(path.join(ctx.dataDir, 'base-models')),
    staging: await readdir(path.join(ctx.dataDir, '.tmp')),
  };
}

describe('POST /v1/base-models (multipart)', () => {
  let id: string;

  it('registers the real MobileNetV2 from model.json + shard and describes its 162 layers', async () => {
    const before = tf.memory().numTensors;
    const res = await upload([
      { name: 'name', data: 'nsfwjs mobilenet v2' },
      { name: 'model.json', filename: 'model.json', data: nsfw.modelJson },
      { name: 'shard', filename: 'group1-shard1of1', data: nsfw.shard },
      { name: 'preprocessing', data: JSON.stringify({ size: [224, 224], scale: [0, 1] }) },
    ]);
    expect(res.status, res.text).toBe(201);
    expect(tf.memory().numTensors).toBe(before);
    const meta = res.body;
    id = meta.id;
    expect(res.headers['location']).toBe(`/v1/base-models/${id}`);
    expect(meta).toMatchObject({
      name: 'nsfwjs mobilenet v2',
      source: { kind: 'upload', files: ['model.json', 'group1-shard1of1'] },
      format: 'layers-model',
      inputShape: [224, 224, 3],
      outputShape: [5],
      layerCount: 162,
      files: ['model.json', 'group1-shard1of1'],
      quantization: ['uint8'],
      sizeBytes: nsfw.modelJson.length + nsfw.shard.length,
      preprocessing: {
        kind: 'image',
        image: { size: [224, 224], channels: 3, scale: [0, 1], resize: 'stretch' },
      },
    });

    const { modelJson, shard } = readNsfwjsMobileNetV2();
    const original = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights as tf.io.WeightsManifestEntry[]),
        weightData: new Uint8Array(shard).buffer,
      }),
    );
    expect(meta.params.total).toBe(original.countParams());
    expect(meta.params.trainable + meta.params.nonTrainable).toBe(meta.params.total);
    expect(meta.params.nonTrainable).toBeGreaterThan(0); // BatchNorm moving statistics

    const layers = await http.get(`/v1/base-models/${id}/layers`);
    expect(layers.status).toBe(200);
    const list = layers.body.layers as Array<{
      index: number;
      name: string;
      className: string;
      outputShape: unknown;
      params: number;
      trainable: boolean;
      inbound: string[];
    }>;
    expect(list).toHaveLength(162);
    expect(list.map((l) => l.index)).toEqual([...Array(162).keys()]);
    expect(list.map((l) => l.name)).toEqual(original.layers.map((l) => l.name));
    expect(list[0]).toMatchObject({
      name: 'input_1',
      className: 'InputLayer',
      outputShape: [null, 224, 224, 3],
    });
    expect(list.find((l) => l.name === 'Conv1')).toMatchObject({
      className: 'Conv2D',
      params: 3 * 3 * 3 * 32,
    });
    expect(list.find((l) => l.name === 'block_16_project')).toMatchObject({
      className: 'Conv2D',
      outputShape: [null, 7, 7, 320],
    });
    expect(list.find((l) => l.name === 'flatten_1')).toMatchObject({ outputShape: [null, 1280], params: 0 });
    expect(list.at(-1)).toMatchObject({
      name: 'dense_3',
      className: 'Dense',
      outputShape: [null, 5],
      params: 645,
    });
    expect(list.find((l) => l.name === 'block_1_project_BN')?.inbound).toEqual(['block_1_project']);
    expect(list.filter((l) => l.className === 'Add').every((l) => l.inbound.length === 2)).toBe(true);
    expect(list.reduce((n, l) => n + l.params, 0)).toBe(original.countParams());

    // The stored folder loads on its own and predicts exactly what the original does.
    const loaded = await loadModelFromDir(await ctx.runtime.store.collection('base-models').local(id));
    const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 7);
    const a = original.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    const [da, db] = [await a.data(), await b.data()];
    expect(Array.from(db)).toEqual(Array.from(da));
    expect(Array.from(da).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    tf.dispose([x, a, b]);
    loaded.dispose();
    original.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lists, gets and pages base models', async () => {
    const got = await http.get(`/v1/base-models/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(id);
    const page = await http.get('/v1/base-models?limit=1&offset=0');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 1, offset: 0 });
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    expect(page.body.items).toHaveLength(1);
    const bad = await http.get('/v1/base-models?limit=0');
    expect(bad.status).toBe(400);
  });

  it('registers a zip of model.json + shard kept in a folder', async () => {
    const zip = await zipFiles({
      'mobilenet/model.json': nsfw.modelJson,
      'mobilenet/group1-shard1of1': nsfw.shard,
      'mobilenet/README.txt': 'not part of the model',
    });
    const res = await upload([{ name: 'file', filename: 'mobilenet.zip', data: zip }]);
    expect(res.status, res.text).toBe(201);
    const meta = res.body;
    expect(meta).toMatchObject({
      layerCount: 162,
      files: ['model.json', 'group1-shard1of1'],
      preprocessing: null,
    });
    const files = await readdir(await ctx.runtime.store.collection('base-models').local(meta.id));
    expect(files.sort()).toEqual(['group1-shard1of1', 'layers.json', 'meta.json', 'model.json']);
  });

  it('accepts a zip sent without a .zip name (detected by its signature)', async () => {
    const zip = await zipFiles({ 'model.json': tiny.modelJson, 'weights.bin': tiny.weights });
    const res = await upload([{ name: 'file', filename: 'upload.bin', data: zip }]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.params.total).toBe(tiny.params);
  });

  it('deletes, then answers 404 everywhere', async () => {
    const del = await http.delete(`/v1/base-models/${id}`);
    expect(del.status).toBe(204);
    for (const url of [`/v1/base-models/${id}`, `/v1/base-models/${id}/layers`]) {
      const res = await http.get(url);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const again = await http.delete(`/v1/base-models/${id}`);
    expect(again.status).toBe(404);
  });

  it('answers 409 on delete while a queued job uses the base model', async () => {
    const res = await upload(tinyParts());
    expect(res.status).toBe(201);
    const bm = res.body.id as string;
    const job = await ctx.runtime.queues.queue.add('train', {
      datasetId: 'ds_0000000000000000',
      base: { baseModelId: bm },
      spec: {},
    });
    const busy = await http.delete(`/v1/base-models/${bm}`);
    expect(busy.status).toBe(409);
    await job.remove();
    const ok = await http.delete(`/v1/base-models/${bm}`);
    expect(ok.status).toBe(204);
  });

  it('rejects malformed ids with 400', async () => {
    for (const [method, url] of [
      ['get', '/v1/base-models/..%2F..%2Fetc'],
      ['get', '/v1/base-models/not-an-id/layers'],
      ['delete', '/v1/base-models/bm_UPPERCASE00000000'],
    ] as const) {
      const res = await http[method](url);
      expect(res.status, url).toBe(400);
    }
  });
});

describe('POST /v1/base-models rejects bad uploads and stores nothing', () => {
  const manifestOf = (paths: string[]) => {
    const json = JSON.parse(tiny.modelJson.toString());
    json.weightsManifest[0].paths = paths;
    return json;
  };

  const cases: Array<[string, () => Part[] | Promise<Part[]>, number, RegExp]> = [
    [
      'a graph model',
      () => [
        {
          name: 'model.json',
          filename: 'model.json',
          data: JSON.stringify({
            format: 'graph-model',
            modelTopology: { node: [{ name: 'x', op: 'Placeholder' }], versions: { producer: 1 } },
            weightsManifest: [],
          }),
        },
      ],
      422,
      /graph model.*only layers models can be fine-tuned/,
    ],
    [
      'model.json that is not JSON',
      () => [{ name: 'm', filename: 'model.json', data: '{nope' }],
      422,
      /not valid JSON/,
    ],
    [
      'a JSON file that is no model',
      () => [{ name: 'm', filename: 'model.json', data: '{"hello":"world"}' }],
      422,
      /no modelTopology/,
    ],
    ['a missing shard', () => tinyParts().slice(0, 1), 422, /'weights\.bin' named by model\.json.* missing/],
    [
      'a truncated shard',
      () => tinyParts(undefined, tiny.weights.subarray(0, tiny.weights.length - 4)),
      422,
      /holds \d+ bytes but its manifest entries need \d+/,
    ],
    [
      'a padded shard',
      () => tinyParts(undefined, Buffer.concat([tiny.weights, Buffer.alloc(8)])),
      422,
      /holds \d+ bytes but its manifest entries need \d+/,
    ],
    [
      'a shard path with ..',
      () => tinyParts(manifestOf(['../weights.bin'])),
      422,
      /'\.\.\/weights\.bin' contains '\.\.'/,
    ],
    ['an absolute shard path', () => tinyParts(manifestOf(['/etc/passwd'])), 422, /is an absolute path/],
    ['a URL as shard path', () => tinyParts(manifestOf(['http://example.com/w.bin'])), 422, /scheme/],
    ['a shard named meta.json', () => tinyParts(manifestOf(['meta.json'])), 422, /collides/],
    [
      'weights that do not fit the topology',
      () => {
        const json = JSON.parse(tiny.modelJson.toString());
        json.weightsManifest[0].weights[0].name = 'someone_else/kernel';
        return tinyParts(json);
      },
      422,
      /weights do not fit the model/,
    ],
    [
      'an unknown layer class',
      () => {
        const json = JSON.parse(tiny.modelJson.toString());
        const topology = json.modelTopology.model_config ?? json.modelTopology;
        topology.config.layers[1].class_name = 'NoSuchLayer';
        return tinyParts(json);
      },
      422,
      /cannot build the model/,
    ],
    ['no files', () => [{ name: 'name', data: 'x' }], 400, /no files/],
    [
      'no model.json',
      () => [{ name: 'w', filename: 'weights.bin', data: tiny.weights }],
      400,
      /no model\.json/,
    ],
    ['an unknown field', () => [...tinyParts(), { name: 'nmae', data: 'typo' }], 400, /unknown field 'nmae'/],
    [
      'preprocessing that does not fit the input',
      () => [...tinyParts(), { name: 'preprocessing', data: JSON.stringify({ size: [224, 224] }) }],
      422,
      /preprocessing does not fit/,
    ],
    [
      'invalid preprocessing',
      () => [...tinyParts(), { name: 'preprocessing', data: JSON.stringify({ size: [0, 'x'] }) }],
      400,
      /preprocessing\.size/,
    ],
    [
      'a zip plus loose files',
      async () => [
        { name: 'z', filename: 'm.zip', data: await zipFiles({ 'model.json': tiny.modelJson }) },
        ...tinyParts(),
      ],
      400,
      /either one zip/,
    ],
    [
      'a zip without model.json',
      async () => [{ name: 'z', filename: 'm.zip', data: await zipFiles({ 'weights.bin': tiny.weights }) }],
      422,
      /no model\.json/,
    ],
    [
      'a zip missing a shard',
      async () => [{ name: 'z', filename: 'm.zip', data: await zipFiles({ 'model.json': tiny.modelJson }) }],
      422,
      /'weights\.bin'.*missing from the zip/,
    ],
    [
      'a zip holding a symlink',
      async () => [
        {
          name: 'z',
          filename: 'm.zip',
          data: await zipOf([
            { name: 'model.json', data: Buffer.from(tiny.modelJson) },
            { name: 'weights.bin', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
          ]),
        },
      ],
      422,
      /'weights\.bin' is a symbolic link/,
    ],
    [
      'a zip with a .. entry',
      async () => {
        const zip = await zipFiles({ 'model.json': tiny.modelJson, 'xx/weights.bin': tiny.weights });
        // Same length, so offsets stay valid: turn the entry name into '../weights.bin'.
        const patched = Buffer.from(
          zip.toString('latin1').replaceAll('xx/weights.bin', '../weights.bin'),
          'latin1',
        );
        return [{ name: 'z', filename: 'm.zip', data: patched }];
      },
      422,
      /'\.\.\/weights\.bin' has an unsafe path \(invalid relative path\)/,
    ],
    [
      'a broken zip',
      () => [{ name: 'z', filename: 'm.zip', data: 'PK\x03\x04 but nothing else' }],
      422,
      /zip/,
    ],
  ];

  it.each(cases)('%s', async (_label, parts, status, detail) => {
    const before = await stored();
    const tensors = tf.memory().numTensors;
    const res = await upload(await parts());
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).toMatch(detail);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await stored()).toEqual(before);
  });

  it('answers 413 when the files exceed MAX_BASE_MODEL_BYTES', async () => {
    const small = await buildTestApp({ TFJS_BACKEND: 'cpu', MAX_BASE_MODEL_BYTES: String(1024 * 1024) });
    try {
      const res = await api(small).form('/v1/base-models', [
        { name: 'model.json', filename: 'model.json', data: nsfw.modelJson },
        { name: 'shard', filename: 'group1-shard1of1', data: nsfw.shard },
      ]);
      expect(res.status).toBe(413);
      expect(res.body.detail).toMatch(/MAX_BASE_MODEL_BYTES/);
      const zip = await zipFiles({
        'model.json': nsfw.modelJson,
        'group1-shard1of1': Buffer.alloc(3 * 1024 * 1024),
      });
      expect(zip.length).toBeLessThan(1024 * 1024); // zeros compress: only the unpacked size is over
      const res2 = await api(small).form('/v1/base-models', [{ name: 'file', filename: 'm.zip', data: zip }]);
      expect(res2.status).toBe(413);
      expect(await readdir(path.join(small.dataDir, 'base-models'))).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('answers 400 to a JSON body with neither or both of url and catalog', async () => {
    for (const payload of [
      {},
      { url: 'http://example.com/model.json', catalog: 'mobilenet_v1_0.25_224' },
      { nope: 1 },
    ]) {
      const res = await http.post('/v1/base-models', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
    }
  });
});
