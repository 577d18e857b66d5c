/**
 * The backbone advisor against the truth it estimates, on real data: MNIST digits 0-4 (real
 * handwritten digits, greyscale 28x28, read by the bases as RGB at their own input size). The
 * advisor ranks the (base, cut) candidates of the two offline bases on a small training set;
 * then every candidate's ready job spec is trained for real (the trainer, as a job runs it) on
 * the same training set and scored on held-out digits it never saw. Repeated over training-set
 * sizes (BENCH_ADVISOR_SIZES, examples per class) and draws (BENCH_ADVISOR_DRAWS, disjoint
 * digits). Reported per draw and on average, for each way of ordering the candidates (the
 * advisor's paired ranking, the old fold-spread rule, and the probe, LogME and k-NN scores
 * alone): the regret of the top pick (best held-out accuracy minus the pick's) and Kendall's tau
 * between that order and the held-out order; and the advisor's time against training every
 * candidate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { pino, type Logger } from 'pino';
import { runAdvisorJob } from '../src/advisor/run-advisor-job.js';
import { BaseModelService } from '../src/base-models/base-model-service.js';
import { loadBaseModel } from '../src/base-models/base-ref.js';
import { loadConfig } from '../src/config/env.js';
import type { AdvisorResult } from '../src/contracts/advisor.js';
import { parseJobSpec } from '../src/contracts/job-spec.js';
import type { UploadPart } from '../src/contracts/upload-part.js';
import { DatasetService } from '../src/datasets/dataset-service.js';
import { openTrainingData } from '../src/datasets/training-data.js';
import { resolveJob } from '../src/jobs/job-context.js';
import { selectBackend } from '../src/ml/backend.js';
import { train } from '../src/ml/trainer.js';
import { FsStore } from '../src/storage/fs-store.js';
import { mnistZip } from '../test/helpers/mnist-zip.js';

const DIGITS = [0, 1, 2, 3, 4];

export interface AdvisorBenchRow {
  base: string;
  cutAt: string;
  advisorAccuracy: number;
  low: number;
  high: number;
  logME: number;
  knnAccuracy: number;
  advisorRank: number;
  msPerExample: number;
  heldOutAccuracy: number;
  trainMs: number;
}

/** The ways of ordering candidates the bench compares. */
export const METHODS = ['advisor', 'old rule', 'probe', 'LogME', 'k-NN'] as const;
export type Method = (typeof METHODS)[number];

export interface AdvisorDraw {
  perClass: number;
  draw: number;
  trainExamples: number;
  heldOutExamples: number;
  folds: number;
  repeats: number;
  advisorMs: number;
  trainAllMs: number;
  regret: Record<Method, number>;
  tau: Record<Method, number>;
  pick: string;
  best: string;
  recommendation: AdvisorResult['recommendation'];
  rows: AdvisorBenchRow[];
}

export interface AdvisorBench {
  backend: string;
  heldOutExamples: number;
  draws: AdvisorDraw[];
}

/** Kendall's tau-b between two score lists (ties in either count for neither side). */
export function kendallTau(a: number[], b: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom === 0 ? 0 : (concordant - discordant) / denom;
}

async function* zipUpload(name: string, zip: Buffer): AsyncIterable<UploadPart> {
  yield { type: 'field', field: 'name', value: name };
  yield { type: 'file', field: 'file', filename: `${name}.zip`, stream: Readable.from(zip) };
}

/**
 * The advisor's rule before paired tests: accuracy first, but candidates within the better one's
 * fold standard deviation count as tied and the cheapest of them goes first (kept here to
 * measure against).
 */
function oldOrder(entries: AdvisorResult['ranking']): number[] {
  const left = entries.map((e, i) => ({ e, i })).sort((x, y) => y.e.accuracy - x.e.accuracy);
  const out: number[] = [];
  while (left.length > 0) {
    const best = left[0]!;
    const ties = left.filter((c) => best.e.accuracy - c.e.accuracy <= Math.max(best.e.accuracyStd, 1e-9));
    ties.sort((x, y) => x.e.msPerExample - y.e.msPerExample);
    out.push(ties[0]!.i);
    left.splice(left.indexOf(ties[0]!), 1);
  }
  return out;
}

export async function benchAdvisor(opts: {
  log: (line: string) => void;
  sizes?: number[];
  draws?: number;
  heldOutPerClass?: number;
}): Promise<AdvisorBench> {
  const sizes =
    opts.sizes ?? (process.env['BENCH_ADVISOR_SIZES'] ?? '16').split(',').map((v) => Number(v.trim()));
  const drawCount = opts.draws ?? Number(process.env['BENCH_ADVISOR_DRAWS'] ?? 1);
  const heldPerClass = opts.heldOutPerClass ?? Number(process.env['BENCH_ADVISOR_HELD_OUT'] ?? 20);
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-advisor-'));
  try {
    const store = new FsStore(dataDir);
    await store.init();
    // No queue here: nothing is deleted while the bench runs.
    const queues = { isInUse: async () => false, exclusive: <T>(_: unknown, fn: () => Promise<T>) => fn() };
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const datasets = new DatasetService({
      store,
      queues,
      limits: { maxEntries: 100_000, maxBytes: 1 << 30 },
    });
    const bases = new BaseModelService({ store, queues, config, backend: async () => backend });
    const heldOut = await datasets.create(
      zipUpload('digits-held-out', await mnistZip(DIGITS, heldPerClass, 2000)),
    );
    const baseIds: string[] = [];
    for (const name of ['nsfwjs-mobilenet-v2', 'nsfwjs-inception-v3']) {
      baseIds.push((await bases.registerCatalog({ catalog: name })).id);
    }
    const log = pino({ level: 'silent' });
    const draws: AdvisorDraw[] = [];
    for (const perClass of sizes) {
      for (let draw = 0; draw < drawCount; draw++) {
        // Disjoint digits per draw, all before the held-out ones (from 2000 on).
        const trainSet = await datasets.create(
          zipUpload(`digits-${perClass}-${draw}`, await mnistZip(DIGITS, perClass, draw * 200)),
        );
        draws.push(
          await benchDraw({
            store,
            log,
            backend: backend.name,
            baseIds,
            trainId: trainSet.id,
            heldOutId: heldOut.id,
            perClass,
            draw,
            say: opts.log,
          }),
        );
        await datasets.remove(trainSet.id);
      }
    }
    return { backend: backend.name, heldOutExamples: heldOut.examples, draws };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface DrawContext {
  store: FsStore;
  log: Logger;
  backend: string;
  baseIds: string[];
  trainId: string;
  heldOutId: string;
  perClass: number;
  draw: number;
  say: (line: string) => void;
}

async function benchDraw(c: DrawContext): Promise<AdvisorDraw> {
  const { store } = c;
  c.say(`advisor: ${c.perClass} digits per class, draw ${c.draw} ...`);
  const t0 = performance.now();
  const advice = await runAdvisorJob({
    store,
    payload: {
      datasetId: c.trainId,
      candidates: c.baseIds.map((id) => ({ base: { baseModelId: id } })),
      cutsPerBase: 3,
      maxExamples: 1000,
      seed: 1 + c.draw,
    },
    backend: c.backend,
    report: () => undefined,
    log: c.log,
  });
  const advisorMs = performance.now() - t0;
  c.say(`advisor: ${(advisorMs / 1000).toFixed(1)} s, ${advice.ranking.length} candidates`);
  const measured: Array<{ heldOut: number; trainMs: number }> = [];
  for (const e of advice.ranking) measured.push(await trainAndScore(c, e));
  const held = measured.map((m) => m.heldOut);
  const best = Math.max(...held);
  const n = advice.ranking.length;
  // Each method as a score per candidate (higher = earlier), in ranking order.
  const oldPos = oldOrder(advice.ranking);
  const scores: Record<Method, number[]> = {
    advisor: advice.ranking.map((e) => -e.rank),
    'old rule': advice.ranking.map((_, i) => -oldPos.indexOf(i)),
    probe: advice.ranking.map((e) => e.accuracy),
    LogME: advice.ranking.map((e) => e.logME),
    'k-NN': advice.ranking.map((e) => e.knnAccuracy),
  };
  const regret = {} as Record<Method, number>;
  const tau = {} as Record<Method, number>;
  for (const m of METHODS) {
    const s = scores[m];
    const top = s.indexOf(Math.max(...s));
    regret[m] = best - held[top]!;
    tau[m] = kendallTau(s, held);
  }
  const pick = advice.ranking[0]!;
  const bestE = advice.ranking[held.indexOf(best)]!;
  return {
    perClass: c.perClass,
    draw: c.draw,
    trainExamples: advice.examples,
    heldOutExamples: 0,
    folds: advice.folds,
    repeats: advice.repeats,
    advisorMs,
    trainAllMs: measured.reduce((sum, m) => sum + m.trainMs, 0),
    regret,
    tau,
    pick: `${pick.baseName} @ ${pick.cutAt}`,
    best: `${bestE.baseName} @ ${bestE.cutAt}`,
    recommendation: advice.recommendation,
    rows: advice.ranking.slice(0, n).map((e, i) => ({
      base: e.baseName ?? '?',
      cutAt: e.cutAt,
      advisorAccuracy: e.accuracy,
      low: e.accuracyInterval.low,
      high: e.accuracyInterval.high,
      logME: e.logME,
      knnAccuracy: e.knnAccuracy,
      advisorRank: e.rank,
      msPerExample: e.msPerExample,
      heldOutAccuracy: held[i]!,
      trainMs: measured[i]!.trainMs,
    })),
  };
}

/** Trains a candidate's ready spec on the training digits and scores it on the held-out ones. */
async function trainAndScore(
  c: DrawContext,
  e: AdvisorResult['ranking'][number],
): Promise<{ heldOut: number; trainMs: number }> {
  const { store } = c;
  const t = performance.now();
  const spec = parseJobSpec({ ...e.spec, datasetId: c.trainId });
  const resolved = await resolveJob(store, spec);
  if (!resolved.ok)
    throw new Error(`spec of ${e.cutAt} does not resolve: ${JSON.stringify(resolved.errors)}`);
  const image = resolved.context.image!;
  const { data } = await openTrainingData(store, c.trainId, {
    image,
    validationSplit: spec.fit.validationSplit,
    seed: spec.seed ?? 0,
  });
  const result = await train({
    spec: resolved.context.spec,
    data,
    base: await loadBaseModel(store, spec.base!),
    pixelRange: image.scale,
  });
  const trainMs = performance.now() - t;
  try {
    const held = await openTrainingData(store, c.heldOutId, { image, validationSplit: 0, seed: 0 });
    let correct = 0;
    for await (const batch of held.data.train.batches(16, { shuffle: false, seed: 0, epoch: 0 })) {
      const hits = tf.tidy(() =>
        (result.model.predict(batch.xs) as tf.Tensor).argMax(-1).equal(batch.ys.toInt()).sum(),
      );
      correct += (await hits.data())[0] as number;
      tf.dispose([hits, batch.xs, batch.ys]);
    }
    const acc = correct / held.data.train.size;
    c.say(
      `${e.baseName} @ ${e.cutAt}: advisor ${(e.accuracy * 100).toFixed(1)}% (${(e.accuracyInterval.low * 100).toFixed(0)} to ${(e.accuracyInterval.high * 100).toFixed(0)}), LogME ${e.logME.toFixed(3)}, k-NN ${(e.knnAccuracy * 100).toFixed(0)}%, held-out ${(acc * 100).toFixed(1)}%, trained in ${(trainMs / 1000).toFixed(1)} s`,
    );
    return { heldOut: acc, trainMs };
  } finally {
    result.model.dispose();
  }
}
