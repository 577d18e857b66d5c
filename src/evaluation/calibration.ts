import type { Calibration, Interval, ReliabilityBin } from '../contracts/evaluation.js';
import { mulberry32 } from '../lib/seeded-split.js';
import { stratifiedBootstrap } from './intervals.js';

/**
 * Temperature scaling (Guo et al. 2017): one parameter T, fitted by minimising the negative
 * log-likelihood of the out-of-fold predictions, turns scores p into softmax(log p / T). The
 * models' output layer is a softmax, so log p are the logits up to a per-example constant, which
 * the softmax ignores: scaling them is exact temperature scaling. T > 1 softens over-confident
 * scores, T < 1 sharpens timid ones; the predicted class never changes.
 */

/** Scores below this are treated as this (log 0 is not a logit). */
const FLOOR = 1e-12;
/** The temperatures searched: wide enough for any model we train, narrow enough to stay sane. */
const T_MIN = 0.05;
const T_MAX = 20;

/** Log-scores of one prediction: the logits temperature scaling divides. */
export function logScores(probabilities: readonly number[]): number[] {
  return probabilities.map((p) => Math.log(Math.max(p, FLOOR)));
}

/** softmax(logits / temperature). */
export function softmaxAt(logits: readonly number[], temperature: number): number[] {
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const e = logits.map((l) => Math.exp((l - max) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Calibrated scores of one prediction's probabilities at `temperature`. */
export function calibrate(probabilities: readonly number[], temperature: number): number[] {
  if (temperature === 1) return [...probabilities];
  return softmaxAt(logScores(probabilities), temperature);
}

/** Mean negative log-likelihood of the labels under softmax(logits * beta). */
function nll(rows: ReadonlyArray<{ logits: readonly number[]; label: number }>, beta: number): number {
  let sum = 0;
  for (const { logits, label } of rows) {
    let max = -Infinity;
    for (const l of logits) if (l * beta > max) max = l * beta;
    let z = 0;
    for (const l of logits) z += Math.exp(l * beta - max);
    sum += max + Math.log(z) - (logits[label] as number) * beta;
  }
  return sum / Math.max(1, rows.length);
}

/**
 * The temperature that minimises the negative log-likelihood. The NLL is convex in beta = 1/T,
 * so a golden-section search over log beta finds its minimum; 1 without examples.
 */
export function fitTemperature(rows: ReadonlyArray<{ logits: readonly number[]; label: number }>): number {
  if (rows.length === 0) return 1;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(1 / T_MAX);
  let b = Math.log(1 / T_MIN);
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(rows, Math.exp(c));
  let fd = nll(rows, Math.exp(d));
  for (let i = 0; i < 80 && b - a > 1e-6; i++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(rows, Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(rows, Math.exp(d));
    }
  }
  return 1 / Math.exp((a + b) / 2);
}

/** Top score and whether the top class was right, per prediction: what ECE and the diagram read. */
export interface Confidence {
  confidence: number;
  correct: boolean;
}

export function topConfidence(scores: readonly number[], label: number): Confidence {
  let best = 0;
  scores.forEach((s, c) => {
    if (s > (scores[best] as number)) best = c;
  });
  return { confidence: scores[best] as number, correct: best === label };
}

/** Equal-width bins of the top score (the last one closed at 1). */
export function reliabilityBins(rows: readonly Confidence[], bins = 15): ReliabilityBin[] {
  const acc = Array.from({ length: bins }, () => ({ count: 0, conf: 0, right: 0 }));
  for (const r of rows) {
    const b = acc[Math.min(bins - 1, Math.max(0, Math.floor(r.confidence * bins)))]!;
    b.count++;
    b.conf += r.confidence;
    if (r.correct) b.right++;
  }
  return acc.map((b, i) => ({
    low: i / bins,
    high: (i + 1) / bins,
    count: b.count,
    confidence: b.count ? b.conf / b.count : 0,
    accuracy: b.count ? b.right / b.count : 0,
  }));
}

/** Expected calibration error: the count-weighted mean gap between confidence and accuracy. */
export function expectedCalibrationError(rows: readonly Confidence[], bins = 15): number {
  if (rows.length === 0) return NaN;
  return reliabilityBins(rows, bins).reduce(
    (sum, b) => sum + (b.count / rows.length) * Math.abs(b.accuracy - b.confidence),
    0,
  );
}

/**
 * The ECE that a perfectly calibrated model would show on these confidences: the mean, over
 * `simulations` draws, of the ECE when each prediction is right with probability equal to its
 * confidence. ECE's estimate is biased upwards on few examples (each bin's accuracy is a small
 * sample), so a measured ECE near this floor is what calibration can reach on this many examples.
 */
export function eceFloor(
  confidences: readonly number[],
  opts: { simulations?: number; seed?: number; bins?: number } = {},
): number {
  if (confidences.length === 0) return NaN;
  const rng = mulberry32(opts.seed ?? 0);
  const n = opts.simulations ?? 200;
  let sum = 0;
  for (let s = 0; s < n; s++) {
    const rows = confidences.map((confidence) => ({ confidence, correct: rng() < confidence }));
    sum += expectedCalibrationError(rows, opts.bins);
  }
  return sum / n;
}

export interface CalibrationInput {
  probabilities: readonly number[];
  label: number;
  /** Cross-validation fold (0 for a holdout): the cross-fitting groups. */
  fold: number;
}

export interface CalibrationOptions {
  bins?: number;
  seed?: number;
  resamples?: number;
}

/**
 * Groups for cross-fitting: the folds when there are several, else five interleaved groups of
 * the examples (a holdout's predictions all share fold 0).
 */
function fitGroups(rows: readonly CalibrationInput[]): number[] {
  const folds = new Set(rows.map((r) => r.fold));
  if (folds.size > 1) return rows.map((r) => r.fold);
  const k = Math.min(5, rows.length);
  return rows.map((_, i) => i % Math.max(1, k));
}

/**
 * The calibration stored with a model: the temperature fitted on every out-of-fold prediction
 * (what is served), and the ECE of calibrated scores measured on each group with the
 * temperature fitted on the other groups, beside the ECE of the raw scores, each with a
 * bootstrap interval stratified by true class.
 */
export function calibrationReport(
  rows: readonly CalibrationInput[],
  o: CalibrationOptions = {},
): Calibration {
  const bins = o.bins ?? 15;
  const fitRows = rows.map((r) => ({ logits: logScores(r.probabilities), label: r.label }));
  const temperature = fitTemperature(fitRows);
  const groups = fitGroups(rows);
  const crossFitted: Confidence[] = new Array<Confidence>(rows.length);
  for (const g of new Set(groups)) {
    const others = fitRows.filter((_, i) => groups[i] !== g);
    const t = others.length > 0 ? fitTemperature(others) : temperature;
    rows.forEach((r, i) => {
      if (groups[i] === g) crossFitted[i] = topConfidence(softmaxAt(fitRows[i]!.logits, t), r.label);
    });
  }
  const raw = rows.map((r) => topConfidence(r.probabilities, r.label));
  const strata = rows.map((r) => r.label);
  const interval = (conf: Confidence[]): Interval =>
    stratifiedBootstrap(
      strata,
      (idx) =>
        expectedCalibrationError(
          idx.map((i) => conf[i]!),
          bins,
        ),
      {
        seed: o.seed ?? 0,
        resamples: o.resamples ?? 500,
      },
    );
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    method: 'temperature',
    temperature: round(temperature),
    ece: round(expectedCalibrationError(crossFitted, bins)),
    eceInterval: interval(crossFitted),
    eceFloor: round(
      eceFloor(
        crossFitted.map((c) => c.confidence),
        { seed: o.seed ?? 0, bins },
      ),
    ),
    eceUncalibrated: round(expectedCalibrationError(raw, bins)),
    eceUncalibratedInterval: interval(raw),
    bins: reliabilityBins(crossFitted, bins),
    binsUncalibrated: reliabilityBins(raw, bins),
    examples: rows.length,
  };
}
