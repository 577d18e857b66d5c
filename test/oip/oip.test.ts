import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage } from '../../src/datasets/image/image-preprocess.js';
import { saveModel, IMAGE_SPEC, imageMeta } from '../helpers/serving-fixtures.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { KEY, oipClient, probabilities, saveOipModels, type OipModels, type Output } from './oip-fixtures.js';
import { expectOipError, expectShape } from './oip-schemas.js';

/**
 * The Open Inference Protocol (KServe v2 REST) through the real HTTP stack: every endpoint,
 * shapes checked against the spec's schemas, names and versions, FP32 and BYTES inputs, and the
 * same answers as /v1/models/{id}/predict (errors, auth and the rate limit: oip-errors.test.ts).
 */

describe('Open Inference Protocol (KServe v2 REST)', () => {
  let ctx: TestContext;
  let m: OipModels;
  const { get, infer, v1, b64, outputs } = oipClient(() => ctx.app);

  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY, PREDICT_MAX_INSTANCES: '8', PREDICT_THREADS: '1' });
    m = await saveOipModels(ctx);
  });
  afterAll(async () => {
    m?.trained.dispose();
    await ctx?.close();
  });

  it('answers health probes without a key, with the spec shapes', async () => {
    const live = await get('/v2/health/live', {});
    expect(live.status).toBe(200);
    expectShape('OipServerLive', live.body);
    expect(live.body).toEqual({ live: true });
    const ready = await get('/v2/health/ready', {});
    expect(ready.status).toBe(200);
    expectShape('OipServerReady', ready.body);
    expect(ready.body).toEqual({ ready: true, live: true });
  });

  it('describes a model: inputs and outputs by modality, versions of a name', async () => {
    const named = await get('/v2/models/colours');
    expect(named.status, named.text).toBe(200);
    expectShape('OipModelMetadata', named.body);
    expect(named.body).toEqual({
      name: 'colours',
      versions: ['1', '2'],
      platform: 'tensorflowjs_layersmodel',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, 8, 8, 3] },
        { name: 'image', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'BYTES', shape: [-1] },
      ],
    });
    const v1meta = await get('/v2/models/colours/versions/1');
    expect(v1meta.status).toBe(200);
    expect(v1meta.body).toEqual(named.body);

    const byId = (await get(`/v2/models/${m.tabular.id}`)).body;
    expectShape('OipModelMetadata', byId);
    expect(byId).not.toHaveProperty('versions');
    expect(byId.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
    expect((await get('/v2/models/prices')).body.outputs).toEqual([
      { name: 'value', datatype: 'FP32', shape: [-1] },
    ]);
    expect((await get('/v2/models/topics')).body.inputs).toEqual([
      { name: 'text', datatype: 'BYTES', shape: [-1] },
    ]);
  });

  it('answers model readiness by name, version and id; errors for what does not exist', async () => {
    for (const path of ['colours', 'colours/versions/1', 'colours/versions/2', m.tabular.id]) {
      const res = await get(`/v2/models/${path}/ready`);
      expect(res.status, path).toBe(200);
      expectShape('OipModelReady', res.body);
      expect(res.body).toEqual({ name: path.split('/')[0], ready: true });
    }
    expectOipError(await get('/v2/models/nope/ready'), 404, "model 'nope' not found");
    expectOipError(await get('/v2/models/colours/versions/9/ready'), 404, 'has no version 9');
    expectOipError(await get('/v2/models/colours/versions/two'), 400, "'two' is not a version number");
    expectOipError(await get(`/v2/models/${m.tabular.id}/versions/1`), 400, 'versions apply to model names');
    expectOipError(await get('/v2/models/no%20such%20name'), 400);
  });

  it('infers on BYTES images by name and version, with the same answers as /v1 predict', async () => {
    const res = await infer('colours', {
      id: 'request-42',
      inputs: [{ name: 'image', shape: [4], datatype: 'BYTES', data: b64(m.png) }],
    });
    expect(res.status, res.text).toBe(200);
    expectShape('OipInferenceResponse', res.body);
    const body = res.body;
    expect(body).toMatchObject({
      model_name: 'colours',
      model_version: '2',
      id: 'request-42',
      parameters: { model_id: m.colours2.id },
    });
    const out = outputs(res);
    expect(Object.keys(out)).toEqual(['probabilities', 'label']);
    expect(out['label']).toMatchObject({ datatype: 'BYTES', shape: [4] });
    expect(out['label']!.data.slice(0, 3)).toEqual(['red', 'green', 'blue']);
    expect(out['probabilities']).toMatchObject({ datatype: 'FP32', shape: [4, 3] });

    const expected = await v1(
      'colours',
      b64(m.png).map((s) => ({ b64: s })),
    );
    expect(out['label']!.data).toEqual(expected.map((p) => p.label));
    expect(out['probabilities']!.data).toEqual(probabilities(m.colours2.labels, expected));

    const old = await infer('colours/versions/1', {
      inputs: [{ name: 'image', shape: [4], datatype: 'BYTES', data: b64(m.png) }],
    });
    expect(old.status, old.text).toBe(200);
    expect(old.body).toMatchObject({ model_name: 'colours', model_version: '1' });
    expect(old.body).not.toHaveProperty('id');
    const expectedOld = await v1(
      'colours',
      b64(m.png).map((s) => ({ b64: s })),
      '?version=1',
    );
    expect(outputs(old)['probabilities']!.data).toEqual(probabilities(m.colours1.labels, expectedOld));
    expect(outputs(old)['probabilities']!.data).not.toEqual(out['probabilities']!.data);
  });

  it('infers on FP32 preprocessed tensors, nested or flat, as v1 and as the same images in BYTES', async () => {
    const rows = await Promise.all(m.png.map((b) => preprocessImage(b, IMAGE_SPEC)));
    const flat = rows.flatMap((r) => Array.from(r));
    const nested = rows.map((r) =>
      Array.from({ length: 8 }, (_, y) =>
        Array.from({ length: 8 }, (_, x) => Array.from(r.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3))),
      ),
    );
    const asBytes = outputs(
      await infer(m.colours2.id, {
        inputs: [{ name: 'image', shape: [4], datatype: 'BYTES', data: b64(m.png) }],
      }),
    );
    const expected = await v1(
      m.colours2.id,
      rows.map((r) => Array.from(r)),
    );
    for (const data of [flat, nested]) {
      const res = await infer(m.colours2.id, {
        inputs: [{ name: 'input', shape: [4, 8, 8, 3], datatype: 'FP32', data }],
      });
      expect(res.status, res.text).toBe(200);
      expectShape('OipInferenceResponse', res.body);
      // Addressed by id: the id is the model's name in the answer; its version is still told.
      expect(res.body.model_name).toBe(m.colours2.id);
      expect(res.body.model_version).toBe('2');
      const out = outputs(res);
      expect(out['probabilities']!.data).toEqual(probabilities(m.colours2.labels, expected));
      expect(out['probabilities']!.data).toEqual(asBytes['probabilities']!.data);
      expect(out['label']!.data).toEqual(asBytes['label']!.data);
    }
  });

  it('infers on tabular rows, a regressor and a text model as v1 does', async () => {
    const rows = [
      [1, 2, 3, 4],
      [-3, 0.5, 2.5, 9],
    ];
    const tab = await infer(m.tabular.id, {
      inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows.flat() }],
    });
    expect(tab.status, tab.text).toBe(200);
    expectShape('OipInferenceResponse', tab.body);
    expect(tab.body).not.toHaveProperty('model_version');
    expect(outputs(tab)['probabilities']!.data).toEqual(
      probabilities(m.tabular.labels, await v1(m.tabular.id, rows)),
    );

    const reg = await infer('prices', {
      inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows }],
    });
    expect(reg.status, reg.text).toBe(200);
    expectShape('OipInferenceResponse', reg.body);
    expect(outputs(reg)['value']).toEqual({
      name: 'value',
      datatype: 'FP32',
      shape: [2],
      data: (await v1('prices', rows)).map((p) => p.value),
    });
    expect(reg.body.parameters).toEqual({ model_id: m.prices.id });

    const texts = ['The team scored a goal', 'bake the flour in the oven', 'nothing known here'];
    const txt = await infer('topics', {
      inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: texts }],
    });
    expect(txt.status, txt.text).toBe(200);
    expectShape('OipInferenceResponse', txt.body);
    const expected = await v1('topics', texts);
    expect(outputs(txt)['probabilities']!.data).toEqual(probabilities(m.text.labels, expected));
    expect(outputs(txt)['label']!.data).toEqual(expected.map((p) => p.label));
  });

  it('returns only the outputs asked for, in their order', async () => {
    const res = await infer('colours', {
      inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)) }],
      outputs: [{ name: 'label' }, { name: 'probabilities', parameters: { binary_data: false } }],
    });
    expect(res.status, res.text).toBe(200);
    expect((res.body.outputs as Output[]).map((o) => o.name)).toEqual(['label', 'probabilities']);
    expectOipError(
      await infer('colours', {
        inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)) }],
        outputs: [{ name: 'logits' }],
      }),
      400,
      "no output named 'logits': this model answers 'probabilities', 'label'",
    );
  });

  it('shares the inference workers with /v1: one model load serves both', async () => {
    const before = await ctx.app.predictions.stats();
    const loadsBefore = before.reduce((a, w) => a + w.loads, 0);
    const fresh = await saveModel(ctx.runtime.store, m.trained, imageMeta());
    const request = {
      inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)) }],
    };
    expect((await infer(fresh.id, request)).status).toBe(200);
    await v1(
      fresh.id,
      b64(m.png.slice(0, 1)).map((s) => ({ b64: s })),
    );
    expect((await infer(fresh.id, request)).status).toBe(200);
    const after = await ctx.app.predictions.stats();
    expect(after.reduce((a, w) => a + w.loads, 0) - loadsBefore).toBe(1);
  });
});
