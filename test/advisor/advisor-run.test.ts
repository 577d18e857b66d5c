import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdvisorJob } from '../../src/advisor/run-advisor-job.js';
import { chooseK, planFolds } from '../../src/advisor/sampling.js';
import { jobSpecSchema } from '../../src/contracts/job-spec.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { colourZip, noSignalZip, registerSmallCnn } from '../helpers/advisor-fixtures.js';

/** The advisor's run in this process (no queue), to check its numbers and its tensor hygiene. */
describe('advisor run', () => {
  let ctx: TestContext;
  let cnn: string;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    ctx = await buildTestApp();
    cnn = await registerSmallCnn(ctx);
  }, 60_000);
  afterAll(() => ctx.close());

  const run = (datasetId: string, cuts?: string[]) =>
    runAdvisorJob({
      store: ctx.runtime.store,
      payload: {
        datasetId,
        candidates: [{ base: { baseModelId: cnn }, ...(cuts ? { cuts } : {}) }],
        cutsPerBase: 3,
        maxExamples: 400,
        seed: 1,
      },
      backend: 'test',
      report: () => undefined,
      log,
    });

  it('probes every cut of a base from one pass, ranks them and leaves no tensor behind', async () => {
    const ds = (await api(ctx).uploadDataset(await colourZip(8), 'colours.zip', { name: 'colours' })).id;
    await run(ds); // warm kernels and caches before counting
    const before = tf.memory().numTensors;
    const result = await run(ds);
    expect(tf.memory().numTensors).toBe(before);

    expect(result.examples).toBe(16);
    expect(result.folds).toBe(8);
    // The pooled features (conv_b only feeds them through pooling), then the ends of the
    // blocks below, one per output shape.
    expect(result.ranking.map((e) => e.cutAt).sort()).toEqual(['conv_a', 'features', 'pool_a']);
    for (const e of result.ranking) {
      expect(e.featureDim).toBeGreaterThan(0);
      expect(e.msPerExample).toBeGreaterThan(0);
      expect(e.params).toBeGreaterThan(e.featureDim);
      expect(e.modelBytes).toBe(e.params * 4);
      expect(e.chance).toBe(0.5);
      expect(jobSpecSchema.safeParse({ ...e.spec, datasetId: ds }).success).toBe(true);
    }
    const top = result.ranking[0]!;
    expect(top.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(top.atChance).toBe(false);
    expect(result.recommendation.pick).toEqual({ base: { baseModelId: cnn }, cutAt: top.cutAt });
    expect(result.recommendation.reason).toMatch(/ranks first on probe accuracy and LogME together/);
    // The pick's own spec, trained fold by fold: small data trains on every example.
    expect(top.spec.fit).toMatchObject({ validationSplit: 0, epochs: 60 });
    const expected = result.recommendation.expected!;
    expect(expected.examples).toBe(16);
    expect(expected.folds).toBe(8);
    expect(expected.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(expected.accuracyInterval.low).toBeLessThanOrEqual(expected.accuracy);
    expect(expected.accuracyInterval.high).toBeGreaterThanOrEqual(expected.accuracy);
    expect(result.recommendation.reason).toMatch(/Trained as its spec says, it reached \d+%/);
  }, 120_000);

  it('says so when nothing beats chance', async () => {
    const ds = (await api(ctx).uploadDataset(await noSignalZip(6), 'no-signal.zip', { name: 'no-signal' }))
      .id;
    const result = await run(ds, ['features', 'conv_b']);
    expect(result.ranking).toHaveLength(2);
    expect(result.ranking.every((e) => e.atChance)).toBe(true);
    expect(result.recommendation.pick).toBeNull();
    expect(result.recommendation.fineTune).toBe(false);
    expect(result.recommendation.reason).toMatch(/no candidate beats chance/);
    expect(result.recommendation.expected).toBeNull();
    expect(result.warnings).toContain('every candidate is at chance level');
  }, 60_000);

  it('chooses k from the data size and keeps every class in every fold of every repeat', () => {
    const labelsOf = (...counts: number[]) => counts.flatMap((c, l) => new Array<number>(c).fill(l));
    const two = ['a', 'b'];
    expect(chooseK(labelsOf(8, 8), two)).toBe(8);
    expect(chooseK(labelsOf(40, 50), two)).toBe(10);
    expect(chooseK(labelsOf(300, 400), two)).toBe(5);
    expect(chooseK(labelsOf(2000, 400), two)).toBe(3);
    expect(chooseK(labelsOf(2, 30), two)).toBe(2);
    const labels = labelsOf(4, 6);
    const plan = planFolds(labels, two, 1);
    expect(plan.folds).toHaveLength(3);
    expect(plan.chance).toBe(0.6);
    for (const folds of plan.folds) {
      for (let f = 0; f < plan.k; f++) {
        expect(new Set(labels.filter((_, i) => folds[i] === f))).toEqual(new Set([0, 1]));
      }
    }
    expect(plan.folds[0]).not.toEqual(plan.folds[1]);
  });
});
