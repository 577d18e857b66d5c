import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage } from '../../src/datasets/image/image-preprocess.js';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { DynamicBatcher, type BatchInfo } from '../../src/serving/batcher.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  IMAGE_SPEC,
  directPredict,
  imageClassifier,
  imageMeta,
  metricValue,
  noisePng,
  saveModel,
} from '../helpers/serving-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DynamicBatcher', () => {
  function doubler(opts: {
    maxBatch: number;
    maxWaitMs: number;
    maxInFlight?: number;
    delayMs?: number | ((xs: number[]) => number);
  }) {
    const batches: BatchInfo[] = [];
    const runs: number[][] = [];
    const b = new DynamicBatcher<number, number>({
      maxBatch: opts.maxBatch,
      maxWaitMs: opts.maxWaitMs,
      maxInFlight: opts.maxInFlight ?? 1,
      onBatch: (info) => batches.push(info),
      run: async (xs) => {
        runs.push(xs);
        await sleep(typeof opts.delayMs === 'function' ? opts.delayMs(xs) : (opts.delayMs ?? 0));
        if (xs.includes(-1)) throw new Error('poisoned batch');
        return xs.map((x) => x * 2);
      },
    });
    return { b, batches, runs };
  }

  it('merges concurrent submits within the wait window and gives each caller its own rows', async () => {
    const { b, runs } = doubler({ maxBatch: 64, maxWaitMs: 20 });
    const results = await Promise.all([b.submit([1, 2]), b.submit([3]), b.submit([4, 5, 6])]);
    expect(results).toEqual([[2, 4], [6], [8, 10, 12]]);
    expect(runs).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it('never exceeds maxBatch and dispatches a full batch without waiting', async () => {
    const { b, runs } = doubler({ maxBatch: 4, maxWaitMs: 10_000, maxInFlight: 4 });
    const t0 = performance.now();
    const out = await b.submit([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(runs).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('accumulates rows while maxInFlight batches run, so batches grow under load', async () => {
    const { b, runs } = doubler({ maxBatch: 100, maxWaitMs: 0, maxInFlight: 1, delayMs: 200 });
    const first = b.submit([1]);
    await sleep(5);
    const rest = Promise.all([b.submit([2]), b.submit([3]), b.submit([4])]);
    expect(await first).toEqual([2]);
    expect(await rest).toEqual([[4], [6], [8]]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });

  it('sends rows that queued behind a full pipeline at the next free slot, not after the wait', async () => {
    const { b, runs } = doubler({
      maxBatch: 2,
      maxWaitMs: 10_000,
      maxInFlight: 2,
      delayMs: (xs) => (xs.includes(3) ? 1_500 : 100),
    });
    const t0 = performance.now();
    const first = b.submit([1, 2]); // full batches leave at once: both slots are busy
    const slow = b.submit([3, 4]);
    const queued = b.submit([5]);
    expect(await queued).toEqual([10]);
    // It left when the first batch ended, while the slow one still ran.
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await Promise.all([first, slow])).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('hands queued rows to a worker that went idle at once, not after the wait', async () => {
    const { b, runs } = doubler({ maxBatch: 2, maxWaitMs: 10_000, maxInFlight: 2, delayMs: 100 });
    const t0 = performance.now();
    const first = b.submit([1, 2]);
    // A slot is free, so this one may wait for company ... until the running batch ends.
    const second = b.submit([3]);
    expect(await Promise.all([first, second])).toEqual([[2, 4], [6]]);
    expect(runs).toEqual([[1, 2], [3]]);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('fails only the rows of a failed batch', async () => {
    const { b } = doubler({ maxBatch: 2, maxWaitMs: 5, maxInFlight: 2 });
    const [bad, good] = await Promise.allSettled([b.submit([-1, 1]), b.submit([2, 3])]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: [4, 6] });
    expect(b.idle).toBe(true);
  });

  it('with maxBatch 1 every row is its own pass', async () => {
    const { b, batches } = doubler({ maxBatch: 1, maxWaitMs: 5, maxInFlight: 2 });
    await Promise.all([b.submit([1]), b.submit([2]), b.submit([3])]);
    expect(batches.map((x) => x.size)).toEqual([1, 1, 1]);
  });
});

describe('dynamic batching through the API', () => {
  let ctx: TestContext;
  let http: Api;
  let model: tf.LayersModel;
  let meta: ModelMeta;
  const N = 24;
  let images: Buffer[];

  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_MAX_WAIT_MS: '50', PREDICT_MAX_BATCH: '64' });
    http = api(ctx);
    await tf.setBackend('cpu');
    // Untrained: its outputs on noise are far from saturated, so every input gives distinct scores.
    model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    images = await Promise.all(Array.from({ length: N }, (_, i) => noisePng(i + 1)));
  });
  afterAll(async () => {
    model.dispose();
    await ctx?.close();
  });

  const predict = (payload: object) => http.predict(meta.id, payload);

  async function batchMetrics(): Promise<{ count: number; sum: number }> {
    const text = (await http.get('/metrics')).text;
    return {
      count: metricValue(text, 'predict_batch_size_count'),
      sum: metricValue(text, 'predict_batch_size_sum'),
    };
  }

  it('merges concurrent requests into fewer forward passes, each caller getting its own rows', async () => {
    // Load and warm first, so the timing of the first load does not shape the batches.
    expect((await predict({ instances: [{ b64: images[0]!.toString('base64') }] })).status).toBe(200);
    const before = await batchMetrics();

    const responses = await Promise.all(
      images.map((img) => predict({ instances: [{ b64: img.toString('base64') }], topK: 3 })),
    );
    const after = await batchMetrics();
    expect(after.sum - before.sum).toBe(N);
    expect(after.count - before.count).toBeLessThan(N / 2);

    const rows = await Promise.all(images.map((img) => preprocessImage(img, IMAGE_SPEC)));
    const expected = directPredict(model, rows, [8, 8, 3]);
    const seen = new Set<string>();
    responses.forEach((res, i) => {
      expect(res.status, res.text).toBe(200);
      const [p] = (res.body as { predictions: Array<{ topK: Array<{ label: string; score: number }> }> })
        .predictions;
      for (const { label, score } of p!.topK) {
        expect(score).toBeCloseTo(expected[i]![meta.labels.indexOf(label)]!, 4);
      }
      seen.add(p!.topK.map((s) => s.score.toPrecision(7)).join(','));
    });
    expect(seen.size).toBe(N); // distinct inputs gave distinct outputs: no rows were swapped
  });

  it("a bad instance fails only its own request, not the others' in the same batch", async () => {
    const good = images.slice(0, 6).map((img) => predict({ instances: [{ b64: img.toString('base64') }] }));
    const bad = predict({ instances: [{ b64: images[0]!.toString('base64') }, { b64: 'bm90IGFuIGltYWdl' }] });
    const [badRes, ...goodRes] = await Promise.all([bad, ...good]);
    expect(badRes.status).toBe(422);
    expect(badRes.body.errors).toEqual([{ path: 'instances[1]', message: expect.any(String) }]);
    expect(goodRes.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('reports predict latency and batch sizes in /metrics', async () => {
    const text = (await http.get('/metrics')).text;
    expect(metricValue(text, 'predict_duration_seconds_count')).toBeGreaterThan(N);
    expect(metricValue(text, 'predict_forward_seconds_count')).toBeGreaterThan(0);
    expect(text).toMatch(/predict_batch_size_bucket\{le="32"\}/);
    expect(metricValue(text, 'model_cache_models')).toBe(1);
  });
});
