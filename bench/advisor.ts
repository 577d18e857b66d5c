/**
 * The backbone advisor against the truth it estimates, on real data: MNIST digits 0-4 (real
 * handwritten digits, greyscale 28x28, read by the bases as RGB at their own input size). The
 * advisor ranks the (base, cut) candidates of the two offline bases on a small training set;
 * then every candidate's ready job spec is trained for real (the trainer, as a job runs it) on
 * the same training set and scored on held-out digits it never saw. Reported: the Spearman
 * rank correlation between the advisor's accuracy estimates and the held-out accuracies, the
 * regret of its top pick (best held-out accuracy minus the pick's), and its time against the
 * time of training every candidate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
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
  advisorStd: number;
  advisorRank: number;
  msPerExample: number;
  heldOutAccuracy: number;
  heldOutRank: number;
  trainMs: number;
}

export interface AdvisorBench {
  backend: string;
  trainExamples: number;
  heldOutExamples: number;
  folds: number;
  advisorMs: number;
  trainAllMs: number;
  spearman: number;
  /** Spearman of the accuracy estimates alone (before near-ties are ordered by cost). */
  spearmanAccuracy: number;
  regret: number;
  /** Regret of the candidate with the highest estimate, ignoring cost. */
  regretAccuracyOnly: number;
  /** Candidates whose held-out accuracy lies within their estimate ± its spread. */
  withinSpread: number;
  pick: string;
  best: string;
  recommendation: AdvisorResult['recommendation'];
  rows: AdvisorBenchRow[];
}

/** Ranks, 1 = largest, ties sharing their mean rank. */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]!.v === order[s]!.v) e++;
    for (let j = s; j <= e; j++) out[order[j]!.i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return out;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

async function* zipUpload(name: string, zip: Buffer): AsyncIterable<UploadPart> {
  yield { type: 'field', field: 'name', value: name };
  yield { type: 'file', field: 'file', filename: `${name}.zip`, stream: Readable.from(zip) };
}

export async function benchAdvisor(opts: {
  log: (line: string) => void;
  perClass?: number;
  heldOutPerClass?: number;
}): Promise<AdvisorBench> {
  const perClass = opts.perClass ?? Number(process.env['BENCH_ADVISOR_PER_CLASS'] ?? 16);
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
    const trainSet = await datasets.create(zipUpload('digits-train', await mnistZip(DIGITS, perClass, 0)));
    const heldOut = await datasets.create(
      zipUpload('digits-held-out', await mnistZip(DIGITS, heldPerClass, 2000)),
    );
    const baseIds: string[] = [];
    for (const name of ['nsfwjs-mobilenet-v2', 'nsfwjs-inception-v3']) {
      baseIds.push((await bases.registerCatalog({ catalog: name })).id);
    }
    const log = pino({ level: 'silent' });

    opts.log(`advisor: ${trainSet.examples} training digits, ${baseIds.length} bases ...`);
    const t0 = performance.now();
    const advice = await runAdvisorJob({
      store,
      payload: {
        datasetId: trainSet.id,
        candidates: baseIds.map((id) => ({ base: { baseModelId: id } })),
        cutsPerBase: 3,
        maxExamples: 1000,
        seed: 1,
      },
      backend: backend.name,
      report: () => undefined,
      log,
    });
    const advisorMs = performance.now() - t0;
    opts.log(
      `advisor: ${(advisorMs / 1000).toFixed(1)} s, ${advice.ranking.length} candidates, ${advice.folds} folds`,
    );

    const measured: Array<{ heldOut: number; trainMs: number }> = [];
    for (const e of advice.ranking) {
      const t = performance.now();
      const spec = parseJobSpec({ ...e.spec, datasetId: trainSet.id });
      const resolved = await resolveJob(store, spec);
      if (!resolved.ok)
        throw new Error(`spec of ${e.cutAt} does not resolve: ${JSON.stringify(resolved.errors)}`);
      const image = resolved.context.image!;
      const { data } = await openTrainingData(store, trainSet.id, {
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
        const held = await openTrainingData(store, heldOut.id, { image, validationSplit: 0, seed: 0 });
        let correct = 0;
        for await (const batch of held.data.train.batches(16, { shuffle: false, seed: 0, epoch: 0 })) {
          const hits = tf.tidy(() =>
            (result.model.predict(batch.xs) as tf.Tensor).argMax(-1).equal(batch.ys.toInt()).sum(),
          );
          correct += (await hits.data())[0] as number;
          tf.dispose([hits, batch.xs, batch.ys]);
        }
        const acc = correct / held.data.train.size;
        measured.push({ heldOut: acc, trainMs });
        opts.log(
          `${e.baseName} @ ${e.cutAt}: advisor ${(e.accuracy * 100).toFixed(1)}% ± ${(e.accuracyStd * 100).toFixed(1)}, held-out ${(acc * 100).toFixed(1)}%, trained in ${(trainMs / 1000).toFixed(1)} s`,
        );
      } finally {
        result.model.dispose();
      }
    }
    const held = measured.map((m) => m.heldOut);
    const heldRanks = ranks(held);
    const bestIdx = held.indexOf(Math.max(...held));
    const rows: AdvisorBenchRow[] = advice.ranking.map((e, i) => ({
      base: e.baseName ?? '?',
      cutAt: e.cutAt,
      advisorAccuracy: e.accuracy,
      advisorStd: e.accuracyStd,
      advisorRank: e.rank,
      msPerExample: e.msPerExample,
      heldOutAccuracy: held[i]!,
      heldOutRank: heldRanks[i]!,
      trainMs: measured[i]!.trainMs,
    }));
    const top = advice.ranking[0]!;
    const best = advice.ranking[bestIdx]!;
    return {
      backend: backend.name,
      trainExamples: trainSet.examples,
      heldOutExamples: heldOut.examples,
      folds: advice.folds,
      advisorMs,
      trainAllMs: measured.reduce((s, m) => s + m.trainMs, 0),
      // The advisor's order (accuracy, near-ties by cost) against the held-out order.
      spearman: spearman(
        advice.ranking.map((e) => -e.rank),
        held,
      ),
      spearmanAccuracy: spearman(
        advice.ranking.map((e) => e.accuracy),
        held,
      ),
      regret: Math.max(...held) - held[0]!,
      regretAccuracyOnly: (() => {
        const accs = advice.ranking.map((e) => e.accuracy);
        return Math.max(...held) - held[accs.indexOf(Math.max(...accs))]!;
      })(),
      withinSpread: advice.ranking.filter((e, i) => Math.abs(held[i]! - e.accuracy) <= e.accuracyStd).length,
      pick: `${top.baseName} @ ${top.cutAt}`,
      best: `${best.baseName} @ ${best.cutAt}`,
      recommendation: advice.recommendation,
      rows,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
