import type { OutOfFoldPrediction } from '../../src/contracts/evaluation.js';
import { classificationEstimate, foldCount, stratifiedFolds } from '../../src/evaluation/index.js';
import { draws, type Draws } from './simulate.js';

/**
 * A small classification task whose truth is known: K Gaussian classes in D dimensions (unit
 * covariance, class means drawn per dataset so difficulty varies from near chance to easy), a
 * nearest-class-mean classifier written here in plain TypeScript, k-fold cross-validation of it
 * through src/evaluation's folds, and the true accuracy of the model refit on every example,
 * measured on a large fresh sample from the same distribution.
 */

export const CLASSES = ['a', 'b', 'c', 'd', 'e', 'f'];
const D = 4;
const FRESH_PER_CLASS = 2000;

interface Task {
  means: number[][];
  x: number[][];
  y: number[];
}

function drawTask(r: Draws, perClass: number): Task {
  const spread = 1 + 1.5 * r.uniform();
  const means = CLASSES.map(() => Array.from({ length: D }, () => spread * r.normal()));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < perClass; i++) {
    means.forEach((m, c) => {
      x.push(m.map((v) => v + r.normal()));
      y.push(c);
    });
  }
  return { means, x, y };
}

/** Nearest class mean: the class centroids of the training examples. */
function fit(x: readonly number[][], y: readonly number[], rows: readonly number[]): number[][] {
  const sums = CLASSES.map(() => new Array<number>(D).fill(0));
  const counts = new Array<number>(CLASSES.length).fill(0);
  for (const i of rows) {
    const c = y[i] as number;
    counts[c]! += 1;
    (x[i] as number[]).forEach((v, j) => (sums[c]![j]! += v));
  }
  return sums.map((s, c) => s.map((v) => v / Math.max(1, counts[c] as number)));
}

/** Posterior-like probabilities: softmax of minus half the squared distance to each centroid. */
function predict(centroids: readonly number[][], point: readonly number[]): number[] {
  const logits = centroids.map((m) => -0.5 * m.reduce((a, v, j) => a + (v - (point[j] as number)) ** 2, 0));
  const top = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const argmax = (p: readonly number[]) => p.reduce((best, v, i) => (v > (p[best] as number) ? i : best), 0);

/** Accuracy and macro-F1 of `centroids` on a fresh sample from the task's distribution. */
function truth(r: Draws, task: Task, centroids: readonly number[][]): { accuracy: number; macroF1: number } {
  const k = CLASSES.length;
  const hits = new Array<number>(k).fill(0);
  const predicted = new Array<number>(k).fill(0);
  for (let i = 0; i < FRESH_PER_CLASS; i++) {
    task.means.forEach((m, c) => {
      const p = argmax(
        predict(
          centroids,
          m.map((v) => v + r.normal()),
        ),
      );
      predicted[p]! += 1;
      if (p === c) hits[c]! += 1;
    });
  }
  const f1 = hits.map((h, c) => (2 * h) / (FRESH_PER_CLASS + (predicted[c] as number)));
  return {
    accuracy: hits.reduce((a, b) => a + b, 0) / (k * FRESH_PER_CLASS),
    macroF1: f1.reduce((a, b) => a + b, 0) / k,
  };
}

export interface Trial {
  estimate: ReturnType<typeof classificationEstimate>;
  trueAccuracy: number;
  trueMacroF1: number;
}

/** One simulated dataset: cross-validated estimate, and the truth about the model refit on all of it. */
export function trial(seed: number, perClass: number, requestedFolds = 5, resamples = 500): Trial {
  const r = draws(0x5eed, seed, perClass);
  const task = drawTask(r, perClass);
  const { folds } = foldCount(task.y, CLASSES, requestedFolds);
  const fold = stratifiedFolds(task.y, folds, seed);
  const predictions: OutOfFoldPrediction[] = [];
  for (let f = 0; f < folds; f++) {
    const train = fold.flatMap((g, i) => (g === f ? [] : [i]));
    const centroids = fit(task.x, task.y, train);
    fold.forEach((g, i) => {
      if (g !== f) return;
      const probabilities = predict(centroids, task.x[i] as number[]);
      predictions.push({ exampleId: `row ${i}`, fold: f, label: task.y[i] as number, probabilities });
    });
  }
  const estimate = classificationEstimate(predictions, CLASSES, {
    method: 'cross-validation',
    folds,
    seed,
    resamples,
  });
  const refit = fit(
    task.x,
    task.y,
    task.y.map((_, i) => i),
  );
  const t = truth(r, task, refit);
  return { estimate, trueAccuracy: t.accuracy, trueMacroF1: t.macroF1 };
}

export interface Summary {
  perClass: number;
  datasets: number;
  coverage: number;
  mae: number;
  bias: number;
  meanWidth: number;
  macroF1Coverage: number;
  meanTrueAccuracy: number;
}

export function simulate(perClass: number, datasets: number, firstSeed = 1): Summary {
  let covered = 0;
  let f1Covered = 0;
  let abs = 0;
  let signed = 0;
  let width = 0;
  let trueSum = 0;
  for (let s = firstSeed; s < firstSeed + datasets; s++) {
    const { estimate: e, trueAccuracy, trueMacroF1 } = trial(s, perClass);
    const iv = e.accuracyInterval!;
    const f1 = e.macroF1Interval!;
    if (iv.low <= trueAccuracy && trueAccuracy <= iv.high) covered++;
    if (f1.low <= trueMacroF1 && trueMacroF1 <= f1.high) f1Covered++;
    abs += Math.abs(e.accuracy - trueAccuracy);
    signed += e.accuracy - trueAccuracy;
    width += iv.high - iv.low;
    trueSum += trueAccuracy;
  }
  return {
    perClass,
    datasets,
    coverage: covered / datasets,
    mae: abs / datasets,
    bias: signed / datasets,
    meanWidth: width / datasets,
    macroF1Coverage: f1Covered / datasets,
    meanTrueAccuracy: trueSum / datasets,
  };
}
