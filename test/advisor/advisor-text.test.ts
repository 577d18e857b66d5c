import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdvisorJob } from '../../src/advisor/run-advisor-job.js';
import { jobSpecSchema } from '../../src/contracts/job-spec.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { registerSmallCnn } from '../helpers/advisor-fixtures.js';

/** The advisor on a text dataset: the offline sentence encoder, its one cut, and its spec as a job. */
const SPAM = [
  'WIN a FREE cruise now, click here to claim your prize',
  'Congratulations! You have won a cash prize, call now',
  'Cheap loans approved instantly, no credit check needed',
  'Limited offer: buy cheap pills online today',
  'You are selected for a free iPhone, claim it now',
  'Earn money fast from home, click this link',
  'Urgent: your account won a lottery reward, reply now',
  'Exclusive deal, 90% discount, order now before it ends',
];
const GREETINGS = [
  'Hi Anna, see you at the cafe at ten',
  'Good morning, hope you slept well',
  'Thanks for dinner last night, it was lovely',
  'Happy birthday! Have a wonderful day',
  'Hello, how was your weekend with the kids?',
  'See you tomorrow at the office',
  'Good night, talk to you soon',
  'Nice to meet you yesterday, let us keep in touch',
];

function csv(): Buffer {
  const rows = SPAM.map((t) => `"${t}",spam`).concat(GREETINGS.map((t) => `"${t}",greeting`));
  return Buffer.from(['text,label', ...rows].join('\n') + '\n');
}

describe('advisor on text', () => {
  let ctx: TestContext;
  let texts: string;
  let cnn: string;
  let http: Api;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    const dataset = await http.uploadDataset(csv(), 'mails.csv', { name: 'mails' });
    expect(dataset.kind).toBe('text');
    texts = dataset.id as string;
    cnn = await registerSmallCnn(ctx);
  }, 120_000);
  afterAll(() => ctx.close());

  it('ranks the offline sentence encoder, says it cannot be fine-tuned, and its spec trains', async () => {
    const created = await http.post('/v1/advisor', { datasetId: texts });
    expect(created.status).toBe(202);
    // The offline encoder, registered on first use; the image CNN does not fit a text dataset.
    expect(created.body.candidates).toHaveLength(1);
    const encoder = created.body.candidates[0].base.baseModelId as string;
    const meta = (await http.get(`/v1/base-models/${encoder}`)).body;
    expect(meta.source.catalog).toBe('universal-sentence-encoder-lite');

    const run = await http.waitForState(`/v1/advisor/${created.body.id}`);
    expect(run.state).toBe('completed');
    expect(run.examples).toBe(16);
    expect(run.classes.sort()).toEqual(['greeting', 'spam']);
    expect(run.ranking).toHaveLength(1);
    const top = run.ranking[0];
    expect(top).toMatchObject({
      rank: 1,
      base: { baseModelId: encoder },
      cutAt: 'embedding',
      featureDim: 512,
      chance: 0.5,
      atChance: false,
    });
    expect(top.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(top.accuracyStd).toEqual(expect.any(Number));
    expect(top.msPerExample).toBeGreaterThan(0);
    expect(top.params).toBeGreaterThan(meta.params.total);
    expect(top.modelBytes).toBe(top.params * 4);
    expect(top.spec.cutAt).toBeUndefined();
    expect(top.spec.fineTune).toBeUndefined();
    expect(top.spec.base).toEqual({ baseModelId: encoder });
    expect(run.recommendation.pick).toEqual({ base: { baseModelId: encoder }, cutAt: 'embedding' });
    expect(run.recommendation.fineTune).toBe(false);
    expect(run.recommendation.reason).toMatch(/fine-tuning is not possible/);

    const spec = run.recommendation.spec;
    const job = await http.createJob({
      ...spec,
      datasetId: texts,
      fit: { ...spec.fit, epochs: 3 },
      evaluation: { method: 'holdout' },
    });
    const done = await http.waitForJob(job.id);
    expect(done).toMatchObject({ state: 'completed', modelId: expect.stringMatching(/^m_/) });
  }, 400_000);

  it('refuses a base that does not fit a text dataset, and cuts an encoder does not have, naming the field', async () => {
    const image = await http.post('/v1/advisor', {
      datasetId: texts,
      candidates: [{ base: { baseModelId: cnn } }],
    });
    expect(image.status).toBe(400);
    expect(image.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.candidates.0.base.baseModelId',
        message: expect.stringMatching(/does not fit a text dataset.*sentence encoder/),
      }),
    ]);

    const listed = (await http.get('/v1/base-models?limit=100')).body.items as Array<{
      id: string;
      source: { catalog?: string };
    }>;
    const encoder = listed.find((b) => b.source.catalog === 'universal-sentence-encoder-lite')!.id;
    const badCut = await http.post('/v1/advisor', {
      datasetId: texts,
      candidates: [{ base: { baseModelId: encoder }, cuts: ['embedding', 'dense'] }],
    });
    expect(badCut.status).toBe(400);
    expect(badCut.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.candidates.0.cuts.1',
        message: expect.stringMatching(/'embedding'/),
      }),
    ]);
  }, 60_000);

  it('leaves no tensor behind in a run', async () => {
    const listed = (await http.get('/v1/base-models?limit=100')).body.items as Array<{
      id: string;
      source: { catalog?: string };
    }>;
    const encoder = listed.find((b) => b.source.catalog === 'universal-sentence-encoder-lite')!.id;
    const run = () =>
      runAdvisorJob({
        store: ctx.runtime.store,
        payload: {
          datasetId: texts,
          candidates: [{ base: { baseModelId: encoder }, cuts: ['embedding'] }],
          cutsPerBase: 3,
          maxExamples: 400,
          seed: 1,
        },
        backend: 'test',
        report: () => undefined,
        log: pino({ level: 'silent' }),
      });
    await run();
    const before = tf.memory().numTensors;
    const result = await run();
    expect(tf.memory().numTensors).toBe(before);
    expect(result.ranking[0]!.cutAt).toBe('embedding');
    expect(jobSpecSchema.safeParse({ ...result.ranking[0]!.spec, datasetId: texts }).success).toBe(true);
  }, 120_000);
});
