/**
 * Does the review queue pick the inputs worth labelling? An active-learning curve on real
 * handwritten digits (all ten, as a 49-feature table; test/helpers/mnist-table.ts), run through
 * the service in this process (API, Redis, a worker): a model trained on 5 digits per class
 * predicts a pool of 500 new digits (what capture would keep); N of them are "labelled" (from
 * the known truth) either in the review queue's order (src/capture/review-queue.ts, fed the
 * service's own predictions) or at random; the next version trains on the dataset plus those N,
 * warm-started from the model, exactly as POST /v1/models/{id}/retrain does; both are scored on
 * 400 digits neither saw. Baseline: random choice of the same N from the same pool, after the
 * same first model (several random draws per draw of the data). Target: the queue beats random.
 *
 *   BENCH_ONLY=active-learning npm run bench
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { CapturedItem } from '../src/capture/capture-store.js';
import { reviewOrder } from '../src/capture/review-queue.js';
import { tQuantile } from '../src/evaluation/normal.js';
import { mulberry32 } from '../src/lib/seeded-split.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { startWorker } from '../src/queue/worker.js';
import { mnistTable, tableCsv, type MnistTable } from '../test/helpers/mnist-table.js';
import { serve } from './predict.js';
import type { BenchSection } from './report.js';

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const SIZES = [10, 25, 50];
const RANDOM_DRAWS = 2;

const recipe = (seed: number) => ({
  head: [{ type: 'dense', units: 32, activation: 'relu' }],
  compile: { learningRate: 0.01 },
  fit: { epochs: 40, batchSize: 8 },
  evaluation: { method: 'cross-validation', folds: 3, learningCurve: false },
  seed,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
type Json = any;

interface TestContext {
  app: { server: Server };
}

/** Posts a job and waits for its model (the tests' helper, without vitest). */
async function trainToEnd(ctx: TestContext, spec: Record<string, unknown>): Promise<{ model: Json }> {
  const api = () => request(ctx.app.server);
  const job = await api().post('/v1/jobs').send(spec);
  if (job.status !== 202) throw new Error(`job: ${job.status} ${JSON.stringify(job.body)}`);
  for (;;) {
    const j = (await api().get(`/v1/jobs/${job.body.id}`)).body;
    if (j.state === 'completed') return { model: (await api().get(`/v1/models/${j.modelId}`)).body };
    if (j.state === 'failed' || j.state === 'cancelled')
      throw new Error(`job ${j.id} ${j.state}: ${j.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Draw {
  first: number;
  /** Per N: the queue's accuracy and the random choices' mean accuracy. */
  queue: number[];
  random: number[];
}

function merge(a: MnistTable, b: MnistTable, picked: number[]): MnistTable {
  const rows = [...a.rows, ...picked.map((i) => b.rows[i]!)];
  const labels = [...a.labels, ...picked.map((i) => b.labels[i]!)];
  return { rows, labels, csv: tableCsv(rows, labels) };
}

async function predictAll(ctx: TestContext, model: string, table: MnistTable): Promise<Json[]> {
  const out: Json[] = [];
  for (let at = 0; at < table.rows.length; at += 200) {
    const res = await request(ctx.app.server)
      .post(`/v1/models/${model}/predict`)
      .send({ instances: table.rows.slice(at, at + 200) });
    if (res.status !== 200) throw new Error(`predict: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...(res.body.predictions as Json[]));
  }
  return out;
}

const accuracy = (predictions: Json[], table: MnistTable) =>
  predictions.filter((p, i) => p.label === table.labels[i]).length / table.rows.length;

async function trainOn(ctx: TestContext, table: MnistTable, seed: number, warmStart?: string): Promise<Json> {
  const up = await request(ctx.app.server).post('/v1/datasets').attach('file', table.csv, 'digits.csv');
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body)}`);
  const { model } = await trainToEnd(ctx, {
    datasetId: up.body.id,
    ...recipe(seed),
    ...(warmStart ? { warmStart: { modelId: warmStart } } : {}),
  });
  return model;
}

async function oneDraw(
  ctx: TestContext,
  d: number,
  test: MnistTable,
  log: (l: string) => void,
): Promise<Draw> {
  const initial = mnistTable(DIGITS, 5, d * 5);
  const pool = mnistTable(DIGITS, 50, 100 + d * 50);
  const first = await trainOn(ctx, initial, d + 1);
  const firstAcc = accuracy(await predictAll(ctx, first.id, test), test);
  // What capture would have stored for each pool input: the service's own answer.
  const predictions = await predictAll(ctx, first.id, pool);
  const items: CapturedItem[] = predictions.map((prediction, i) => ({
    id: `cap_${String(i).padStart(16, '0')}`,
    modelId: first.id,
    capturedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    contentType: 'application/json',
    bytes: 0,
    hash: createHash('sha256').update(JSON.stringify(pool.rows[i])).digest('hex'),
    prediction,
  }));
  const order = reviewOrder(items, first.evaluation?.unknown?.threshold).map((e) => Number(e.id.slice(4)));
  const draw: Draw = { first: firstAcc, queue: [], random: [] };
  const rand = mulberry32(1000 + d);
  for (const n of SIZES) {
    const queued = await trainOn(ctx, merge(initial, pool, order.slice(0, n)), d + 1, first.id);
    draw.queue.push(accuracy(await predictAll(ctx, queued.id, test), test));
    let sum = 0;
    for (let r = 0; r < RANDOM_DRAWS; r++) {
      const shuffled = pool.rows.map((_, i) => i).sort(() => rand() - 0.5);
      const picked = await trainOn(ctx, merge(initial, pool, shuffled.slice(0, n)), d + 1, first.id);
      sum += accuracy(await predictAll(ctx, picked.id, test), test);
    }
    draw.random.push(sum / RANDOM_DRAWS);
    log(
      `draw ${d + 1}, N=${n}: queue ${(draw.queue.at(-1)! * 100).toFixed(1)}%, random ${(draw.random.at(-1)! * 100).toFixed(1)}%`,
    );
  }
  return draw;
}

/** Mean and 95% t-interval over the draws. */
function meanInterval(xs: number[]): { mean: number; low: number; high: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = n > 1 ? tQuantile(0.975, n - 1) * (sd / Math.sqrt(n)) : Infinity;
  return { mean, low: mean - half, high: mean + half };
}

export async function activeLearningSection(log: (l: string) => void, draws = 3): Promise<BenchSection> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-active-'));
  const { app, runtime, config, logger } = await serve(
    {
      QUEUE_PREFIX: `bench-active-${process.pid}`,
      ...(process.env['REDIS_URL'] ? { REDIS_URL: process.env['REDIS_URL'] } : {}),
    },
    dataDir,
    'warn',
  );
  const worker = startWorker(config, logger, config.QUEUE_PREFIX, process.env);
  const ctx: TestContext = { app };
  try {
    const test = mnistTable(DIGITS, 40, 600);
    const results: Draw[] = [];
    for (let d = 0; d < draws; d++) results.push(await oneDraw(ctx, d, test, log));
    const pts = (x: number) => `${(x * 100).toFixed(1)}`;
    const first = meanInterval(results.map((r) => r.first));
    const rows = SIZES.map((n, k) => {
      const q = meanInterval(results.map((r) => r.queue[k]!));
      const rnd = meanInterval(results.map((r) => r.random[k]!));
      const diff = meanInterval(results.map((r) => r.queue[k]! - r.random[k]!));
      return [
        `${n} labelled (${50 + n} examples)`,
        `${pts(q.mean)}% (${pts(q.low)} to ${pts(q.high)})`,
        `${pts(rnd.mean)}% (${pts(rnd.low)} to ${pts(rnd.high)})`,
        `${diff.mean >= 0 ? '+' : ''}${pts(diff.mean)} (${pts(diff.low)} to ${pts(diff.high)})`,
        `${(q.mean / rnd.mean).toFixed(2)}x`,
      ];
    });
    return {
      title: 'Active learning: the review queue against random choice',
      description: `Real MNIST digits, all ten classes, as a 49-feature table (4x4 blocks of 28x28). Per draw (${draws}, each with its own 5 examples per class and its own pool of 500 new digits): a first model (a 32-unit head, 3-fold cross-validated) is trained on the 50 examples, then predicts the pool through the service; N pool digits are labelled in the review queue's order (the queue fed those predictions: novel, then uncertain, repeats last) or at random (${RANDOM_DRAWS} random choices per draw, averaged); the next version trains on the 50 plus N, warm-started from the first model (as POST /v1/models/{id}/retrain does). Accuracy on the same 400 held-out digits (40 per class) for every model; each figure is the mean over the draws with its 95% t-interval (${draws} draws). Baseline: random choice. The first models scored ${pts(first.mean)}% (${pts(first.low)} to ${pts(first.high)}). Target: the queue above random.`,
      columns: ['labelled', 'review queue', 'random', 'queue - random (points)', 'queue / random'],
      rows,
    };
  } finally {
    await worker.close(5_000);
    await app.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
