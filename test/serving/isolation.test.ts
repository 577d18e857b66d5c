import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { poolShape } from '../../src/serving/prediction-service.js';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { metricValue, saveModel, tabularClassifier, tabularMeta } from '../helpers/serving-fixtures.js';

beforeAll(() => tf.setBackend('cpu'));

describe('pool shape', () => {
  it('uses one child process for the native backend and threads for wasm/cpu', () => {
    const auto = { PREDICT_THREADS: 0, PREDICT_WORKER: 'auto' as const };
    expect(poolShape(auto, 'tensorflow', 16)).toMatchObject({ kind: 'process', size: 1 });
    expect(poolShape(auto, 'wasm', 2)).toMatchObject({ kind: 'thread', size: 1 });
    expect(poolShape(auto, 'wasm', 16)).toMatchObject({ kind: 'thread', size: 4 });
    expect(poolShape({ ...auto, PREDICT_THREADS: 3 }, 'cpu', 2)).toMatchObject({ kind: 'thread', size: 3 });
    expect(poolShape({ PREDICT_THREADS: 3, PREDICT_WORKER: 'thread' }, 'tensorflow', 8)).toMatchObject({
      kind: 'thread',
      size: 1,
      note: expect.stringMatching(/8388/),
    });
  });

  it("gives each wasm worker's XNNPACK pool a share of the cores the event loop leaves, capped by WASM_THREADS", () => {
    const auto = { PREDICT_THREADS: 0, PREDICT_WORKER: 'auto' as const, WASM_THREADS: 0 };
    expect(poolShape(auto, 'wasm', 1).wasmThreads).toBe(1);
    expect(poolShape(auto, 'wasm', 2).wasmThreads).toBe(1); // one worker, the loop's core left alone
    expect(poolShape(auto, 'wasm', 8).wasmThreads).toBe(1); // four workers on seven cores
    expect(poolShape(auto, 'wasm', 16).wasmThreads).toBe(3); // four workers, three cores each
    expect(poolShape(auto, 'wasm', 64).wasmThreads).toBe(8); // XNNPACK's pool holds at most 8
    expect(poolShape({ ...auto, WASM_THREADS: 2 }, 'wasm', 16).wasmThreads).toBe(2);
    expect(poolShape({ ...auto, PREDICT_THREADS: 1 }, 'wasm', 4).wasmThreads).toBe(3);
    expect(poolShape({ ...auto, PREDICT_THREADS: 3 }, 'wasm', 2).wasmThreads).toBe(1);
  });
});

describe('inference off the event loop', () => {
  let ctx: TestContext;
  let heavy: ModelMeta;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_MAX_BATCH: '256', PREDICT_MAX_WAIT_MS: '0' });
    // Small input, heavy compute: three 2048-wide layers make each 256-row pass take a while.
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 2048, activation: 'relu' }),
        tf.layers.dense({ units: 2048, activation: 'relu' }),
        tf.layers.dense({ units: 2048, activation: 'relu' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    heavy = await saveModel(ctx.runtime.store, model, tabularMeta('classification'));
    model.dispose();
  });
  afterAll(() => ctx?.close());

  it('keeps /healthz fast while forward passes run', async () => {
    const payload = { instances: Array.from({ length: 256 }, (_, i) => [i, 1, 2, 3]) };
    const http = api(ctx);
    expect((await http.predict(heavy.id, { instances: [[1, 2, 3, 4]] })).status).toBe(200);
    const forward = async () => {
      const text = (await http.get('/metrics')).text;
      return {
        sum: metricValue(text, 'predict_forward_seconds_sum'),
        count: metricValue(text, 'predict_forward_seconds_count'),
      };
    };
    const before = await forward();

    let done = false;
    const load = Promise.all(Array.from({ length: 4 }, () => http.predict(heavy.id, payload))).then((r) => {
      done = true;
      return r;
    });
    const latencies: number[] = [];
    while (!done) {
      const s = performance.now();
      const res = await http.get('/healthz');
      expect(res.status).toBe(200);
      if (!done) latencies.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await load).every((r) => r.status === 200)).toBe(true);
    const after = await forward();
    const perPassMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
    // Had the passes run on the event loop, a /healthz arriving during one would wait for the
    // rest of it: half a pass on average. The median stays far below that (the slowest may not,
    // on a machine whose cores are busy with other work, hence the median).
    expect(after.count - before.count).toBe(4);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    const median = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]!;
    expect(
      median,
      `healthz ${latencies.map(Math.round).join(',')} ms; a pass takes ${Math.round(perPassMs)} ms`,
    ).toBeLessThan(perPassMs / 4);
  });
});

describe('child-process workers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_WORKER: 'process' });
  });
  afterAll(() => ctx?.close());

  it('serves predictions from a separate process', async () => {
    const model = tabularClassifier();
    const meta = await saveModel(ctx.runtime.store, model, tabularMeta('classification'));
    model.dispose();
    const res = await api(ctx).predict(meta.id, { instances: [[1, 2, 3, 4]] });
    expect(res.status, res.text).toBe(200);
    const [stats] = await ctx.app.predictions.stats();
    expect(stats!.worker).not.toBe(process.pid);
    expect(stats!.backend).toBe((await ctx.runtime.backend()).name);
    expect(stats!.models.map((m) => m.modelId)).toEqual([meta.id]);

    // A worker that dies is replaced on the next request, which loads the model again.
    process.kill(stats!.worker, 'SIGKILL');
    await waitFor(async () => (await ctx.app.predictions.stats().catch(() => [stats])).length === 0);
    const again = await api(ctx).predict(meta.id, { instances: [[1, 2, 3, 4]] });
    expect(again.status, again.text).toBe(200);
    const [fresh] = await ctx.app.predictions.stats();
    expect(fresh!.worker).not.toBe(stats!.worker);
    expect(fresh!.loads).toBe(1);
  });
});

describe('several inference threads', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_THREADS: '2' });
  });
  afterAll(() => ctx?.close());

  it('places each model in one thread and routes its batches there', async () => {
    const model = tabularClassifier();
    const a = await saveModel(ctx.runtime.store, model, tabularMeta('classification'));
    const b = await saveModel(ctx.runtime.store, model, tabularMeta('classification'));
    model.dispose();
    for (let i = 0; i < 3; i++) {
      for (const m of [a, b]) {
        const res = await api(ctx).predict(m.id, { instances: [[i, 2, 3, 4]] });
        expect(res.status).toBe(200);
      }
    }
    const stats = await ctx.app.predictions.stats();
    expect(stats).toHaveLength(2);
    expect(new Set(stats.map((s) => s.worker)).size).toBe(2);
    expect(stats.map((s) => s.models.map((m) => m.modelId)).sort()).toEqual([[a.id], [b.id]].sort());
    expect(stats.map((s) => s.loads)).toEqual([1, 1]);
    expect(stats.map((s) => s.batches)).toEqual([3, 3]);
  });
});
