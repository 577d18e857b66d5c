/**
 * One draw of the calibration and "unknown" benchmarks, through the job's own pipeline: the spec
 * is cross-validated and refit on the training examples, the temperature and the novelty
 * threshold are fitted on its out-of-fold predictions exactly as a job does
 * (src/jobs/score-rules.ts), and the refit model then scores held-out examples of the known
 * classes and examples of unseen ones. bench/unknown.ts (digits) and bench/unknown-emoji.ts
 * (emoji images and names) run it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../src/contracts/job-spec.js';
import type { OutOfFoldFile } from '../src/contracts/evaluation.js';
import { calibrate, eceFloor, expectedCalibrationError } from '../src/evaluation/calibration.js';
import { fitMahalanobis, mahalanobisScores } from '../src/evaluation/mahalanobis.js';
import { auroc } from '../src/evaluation/novelty.js';
import { stratifiedFolds } from '../src/evaluation/folds.js';
import { refitEpochs } from '../src/evaluation/epochs.js';
import { outOfFoldFile, toPredictions } from '../src/jobs/out-of-fold.js';
import {
  calibrationOf,
  noveltyAgainst,
  referenceSample,
  unknownRule,
  type Reference,
} from '../src/jobs/score-rules.js';
import { refit, runFolds, sharedFeaturesFor, type CrossValidationPlan } from '../src/ml/cross-validate.js';
import { evaluate, outputsCollector, type ExampleOutputs } from '../src/ml/evaluate.js';
import type { ExampleSource, TrainingData } from '../src/ml/example-source.js';
import { lossFunction } from '../src/ml/losses.js';

export interface DrawCase {
  spec: JobSpec;
  /** The training examples (`data.train`), classification. */
  data: TrainingData;
  /** The frozen base, loaded afresh for each draw (the refit consumes it). */
  base?: () => Promise<tf.LayersModel>;
  /** Held-out examples of the trained classes. */
  known: ExampleSource;
  /** Examples of classes the model never saw (labels: any class index; unused). */
  unseen: ExampleSource;
  folds: number;
  seed: number;
}

export interface DrawResult {
  accuracy: number;
  temperature: number;
  eceBefore: number;
  eceAfter: number;
  /** The ECE a perfectly calibrated model shows on the calibrated confidences (eceFloor). */
  eceFloor: number;
  oofEceBefore: number;
  oofEceAfter: number;
  aurocKnn: number;
  aurocMahalanobis: number;
  aurocMaxSoftmax: number;
  knownAccepted: number;
  unseenUnknown: number;
  testKnown: number;
  testUnseen: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Probabilities and features of every example of `source` through `model`. */
async function outputsOf(
  model: tf.LayersModel,
  source: ExampleSource,
  classes: string[],
): Promise<ExampleOutputs> {
  const c = outputsCollector();
  await evaluate(model, source.batches(32, { shuffle: false, seed: 0, epoch: 0 }), {
    task: 'classification',
    classes,
    loss: lossFunction('sparseCategoricalCrossentropy', classes.length),
    features: true,
    onOutputs: c.onOutputs,
  });
  return c.result();
}

/** Cross-validates and refits `c.spec`, fits the score rules, and scores the test examples. */
export async function calibrationDraw(
  c: DrawCase,
): Promise<DrawResult & { model: tf.LayersModel; reference: Reference }> {
  const { spec, data, folds, seed } = c;
  const train = data.train;
  const keys = train.labels.map((_, i) => `ex-${i}`);
  const base = c.base ? await c.base() : undefined;
  const cv: CrossValidationPlan = { spec, data, shared: sharedFeaturesFor(data), ...(base ? { base } : {}) };
  const foldOf = stratifiedFolds(train.labels, folds, seed);
  const heldOut = Array.from({ length: folds }, (_, f) => foldOf.flatMap((g, i) => (g === f ? [i] : [])));
  const outcomes = await runFolds(cv, { heldOut, stage: 'fold' });
  const oof: OutOfFoldFile = outOfFoldFile(
    { method: 'cross-validation', folds, classes: data.classes, task: 'classification' },
    outcomes.map((o) => {
      const ref = o.reference ? referenceSample(o.reference, seed) : undefined;
      return toPredictions(
        'classification',
        keys,
        o.heldOut,
        o.outputs,
        o.fold,
        noveltyAgainst(o.outputs, ref),
      );
    }),
  );
  const r = await refit(cv, {
    train: refitEpochs(
      outcomes.map((o) => o.bestEpochs.train),
      spec.fit.epochs,
    ),
  });
  const reference = referenceSample(r.reference as ExampleOutputs, seed) as Reference;
  const calibration = calibrationOf(oof, seed)!;
  const rule = unknownRule(oof, reference, 0.95)!;

  const known = await outputsOf(r.model, c.known, data.classes);
  const unseen = await outputsOf(r.model, c.unseen, data.classes);
  const rows = (o: ExampleOutputs) =>
    o.labels.map((label, i) => ({ p: Array.from(o.values.subarray(i * o.width, (i + 1) * o.width)), label }));
  const conf = (ps: ReturnType<typeof rows>, t: number) =>
    ps.map(({ p, label }) => {
      const q = calibrate(p, t);
      const top = Math.max(...q);
      return { confidence: top, correct: q.indexOf(top) === label };
    });
  const knownRows = rows(known);
  const nKnown = noveltyAgainst(known, reference) as number[];
  const nUnseen = noveltyAgainst(unseen, reference) as number[];
  const trainOut = r.reference as ExampleOutputs;
  const maha = fitMahalanobis(trainOut.features!.values, trainOut.labels, trainOut.features!.dims);
  const msp = (o: ExampleOutputs) => rows(o).map(({ p }) => 1 - Math.max(...p));
  return {
    model: r.model,
    reference,
    accuracy: mean(conf(knownRows, 1).map((x) => (x.correct ? 1 : 0))),
    temperature: calibration.temperature,
    eceBefore: expectedCalibrationError(conf(knownRows, 1)),
    eceAfter: expectedCalibrationError(conf(knownRows, calibration.temperature)),
    eceFloor: eceFloor(
      conf(knownRows, calibration.temperature).map((x) => x.confidence),
      { seed },
    ),
    oofEceBefore: calibration.eceUncalibrated,
    oofEceAfter: calibration.ece,
    aurocKnn: auroc(nUnseen, nKnown),
    aurocMahalanobis: auroc(
      mahalanobisScores(maha, unseen.features!.values),
      mahalanobisScores(maha, known.features!.values),
    ),
    aurocMaxSoftmax: auroc(msp(unseen), msp(known)),
    knownAccepted: mean(nKnown.map((n) => (n <= rule.threshold ? 1 : 0))),
    unseenUnknown: mean(nUnseen.map((n) => (n > rule.threshold ? 1 : 0))),
    testKnown: nKnown.length,
    testUnseen: nUnseen.length,
  };
}

/** The mean of each figure over draws. */
export function meanOfDraws(draws: DrawResult[]): DrawResult {
  const avg = (k: keyof DrawResult) => mean(draws.map((r) => r[k]));
  return {
    accuracy: avg('accuracy'),
    temperature: avg('temperature'),
    eceBefore: avg('eceBefore'),
    eceAfter: avg('eceAfter'),
    eceFloor: avg('eceFloor'),
    oofEceBefore: avg('oofEceBefore'),
    oofEceAfter: avg('oofEceAfter'),
    aurocKnn: avg('aurocKnn'),
    aurocMahalanobis: avg('aurocMahalanobis'),
    aurocMaxSoftmax: avg('aurocMaxSoftmax'),
    knownAccepted: avg('knownAccepted'),
    unseenUnknown: avg('unseenUnknown'),
    testKnown: draws[0]?.testKnown ?? 0,
    testUnseen: draws[0]?.testUnseen ?? 0,
  };
}

/** One log line of a draw. */
export function drawLine(label: string, r: DrawResult): string {
  return (
    `${label}: acc ${r.accuracy.toFixed(3)} T ${r.temperature.toFixed(2)} ` +
    `ECE ${r.eceBefore.toFixed(3)} -> ${r.eceAfter.toFixed(3)} (floor ${r.eceFloor.toFixed(3)}) AUROC knn ${r.aurocKnn.toFixed(3)} ` +
    `maha ${r.aurocMahalanobis.toFixed(3)} msp ${r.aurocMaxSoftmax.toFixed(3)} ` +
    `accepted ${r.knownAccepted.toFixed(3)} unseen unknown ${r.unseenUnknown.toFixed(3)}`
  );
}
