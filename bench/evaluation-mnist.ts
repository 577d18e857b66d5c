/**
 * The evaluation a job reports against the truth, on real digits: a source CNN trained on MNIST
 * digits 0-4 (bench/transfer-mnist.ts) is the frozen base; small training sets of digits 5-9 (n
 * per class, a fresh random draw per repetition) go through the job's own cross-validated
 * evaluation (src/jobs/cross-validation.ts: 5 stratified folds, learning curve, refit on every
 * example), and the accuracy it reports, with its 95% interval, is compared with the accuracy of
 * the model it returns on a pool of digits 5-9 that no repetition ever trains on. A 20% holdout
 * job (src/jobs/trained-job.ts) on the same draw is the baseline: what jobs reported before.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ClassificationEvaluation } from '../src/contracts/model-meta.js';
import { parseJobSpec, type JobSpec } from '../src/contracts/job-spec.js';
import type { DatasetExampleSource, DatasetTrainingData } from '../src/datasets/modality.js';
import { foldCount } from '../src/evaluation/index.js';
import { crossValidatedJob } from '../src/jobs/cross-validation.js';
import { type EvaluationChoice, sharesPrefix } from '../src/jobs/evaluation-choice.js';
import { singleFitJob } from '../src/jobs/trained-job.js';
import type { TrainingPlan } from '../src/jobs/training-plan.js';
import { stratifiedSplit } from '../src/lib/seeded-split.js';
import { evaluate } from '../src/ml/evaluate.js';
import { lossFunction } from '../src/ml/losses.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { cloneModel } from '../src/ml/model-io.js';
import { mnistArrays } from '../test/helpers/mnist.js';
import { CUT_AT, TARGET_DIGITS, trainSourceModel } from './transfer-mnist.js';

/** Training draws come from the first TRAIN_RANGE digits of each class; the pool is the rest. */
const TRAIN_RANGE = 400;
/** Digit 5 has 863 examples in the `mnist` package: the pool takes 463 of each digit. */
const POOL_PER_CLASS = 463;
const EPOCHS = 30;
const LEARNING_RATE = 0.003;

/**
 * The job a user would post: the frozen source CNN, a dense head, early stopping on the
 * held-out fold (or a fixed number of epochs: `earlyStopping` false).
 */
function jobSpec(seed: number, earlyStopping: boolean): JobSpec {
  return parseJobSpec({
    datasetId: 'ds_0000000000000000',
    base: { baseModelId: 'bm_0000000000000000' },
    cutAt: CUT_AT,
    freeze: 'all',
    head: [{ type: 'dense', units: 32 }],
    compile: { learningRate: LEARNING_RATE },
    fit: { epochs: EPOCHS, batchSize: 16 },
    callbacks: earlyStopping
      ? { earlyStopping: { monitor: 'val_loss', patience: 5, restoreBestWeights: true } }
      : {},
    // The learning curve changes neither the figures measured here nor the returned model (its
    // runs are extra folds on subsets): off, it leaves time for three times the repetitions.
    evaluation: { learningCurve: false },
    seed,
  });
}

/** A MemorySource with example keys, as the dataset sources have (the out-of-fold file needs them). */
class KeyedSource extends MemorySource implements DatasetExampleSource {
  constructor(
    features: Float32Array,
    labels: number[],
    readonly keys: readonly string[],
  ) {
    super(features, labels, [28, 28, 1]);
  }

  override subset(indices: readonly number[]): KeyedSource {
    return new KeyedSource(
      this.pick(indices),
      indices.map((i) => this.labels[i] as number),
      indices.map((i) => this.keys[i] as string),
    );
  }
}

/** A seeded shuffle of 0..n-1 (mulberry32), so every repetition draws its own examples. */
function shuffled(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** `perClass` random digits of each of 5-9 from the training range (labels 0-4 in TARGET_DIGITS order). */
function drawTraining(perClass: number, seed: number): KeyedSource {
  const parts = TARGET_DIGITS.map((d, c) => {
    const picks = shuffled(TRAIN_RANGE, seed * 31 + c).slice(0, perClass);
    return picks.map((i) => ({ x: mnistArrays([d], 1, i).features, label: c, key: `${d}/${i}` }));
  });
  const all = parts.flat();
  const features = new Float32Array(all.length * 784);
  all.forEach((e, i) => features.set(e.x, i * 784));
  return new KeyedSource(
    features,
    all.map((e) => e.label),
    all.map((e) => e.key),
  );
}

function trainingData(train: DatasetExampleSource, validation?: DatasetExampleSource): DatasetTrainingData {
  return {
    kind: 'image',
    task: 'classification',
    classes: TARGET_DIGITS.map(String),
    inputShape: [28, 28, 1],
    train,
    ...(validation ? { validation } : {}),
  };
}

async function poolAccuracy(model: tf.LayersModel, pool: MemorySource): Promise<number> {
  const classes = TARGET_DIGITS.map(String);
  const ev = await evaluate(model, pool.batches(256, { shuffle: false, seed: 0, epoch: 0 }), {
    task: 'classification',
    classes,
    loss: lossFunction('categoricalCrossentropy', classes.length),
  });
  return ev.task === 'classification' ? ev.accuracy : NaN;
}

function plan(
  spec: JobSpec,
  data: DatasetTrainingData,
  evaluation: EvaluationChoice,
  base: tf.LayersModel,
): TrainingPlan {
  return {
    spec,
    evaluation,
    data,
    preprocessing: {
      kind: 'image',
      image: { size: [28, 28], channels: 1, scale: [0, 1], resize: 'stretch' },
    },
    files: {},
    base,
    onProgress: () => undefined,
  };
}

/** One estimate against the truth. */
export interface Trial {
  estimate: number;
  low: number;
  high: number;
  /** Accuracy of the returned model on the pool. */
  truth: number;
  examples: number;
}

/** A size of training set, and whether the recipe stops early. */
export interface Case {
  perClass: number;
  earlyStopping: boolean;
}

export interface Repetition {
  perClass: number;
  seed: number;
  cv: Trial & { folds: number; refitEpochs: number };
  holdout: Trial;
  cvMs: number;
}

function trialOf(ev: ClassificationEvaluation, truth: number): Trial {
  const iv = ev.accuracyInterval;
  if (!iv) throw new Error('the evaluation has no accuracy interval');
  return { estimate: ev.accuracy, low: iv.low, high: iv.high, truth, examples: ev.examples };
}

/** One draw of `perClass` digits: the cross-validated job and the holdout job on it. */
export async function repetition(
  source: tf.LayersModel,
  pool: MemorySource,
  { perClass, earlyStopping }: Case,
  seed: number,
): Promise<Repetition> {
  const train = drawTraining(perClass, seed);
  const spec = jobSpec(seed, earlyStopping);
  const classes = TARGET_DIGITS.map(String);
  const folds = foldCount([...train.labels], classes, spec.evaluation.folds).folds;
  const choice: EvaluationChoice = {
    method: 'cross-validation',
    folds,
    learningCurve: spec.evaluation.learningCurve,
    sharedPrefix: sharesPrefix(spec, false),
    warnings: [],
  };
  const started = performance.now();
  const cvJob = await crossValidatedJob(plan(spec, trainingData(train), choice, await cloneModel(source)));
  const cvMs = performance.now() - started;
  let cv: Repetition['cv'];
  try {
    if (cvJob.evaluation.task !== 'classification') throw new Error('not a classification evaluation');
    cv = {
      ...trialOf(cvJob.evaluation, await poolAccuracy(cvJob.model, pool)),
      folds,
      refitEpochs: cvJob.history.length,
    };
  } finally {
    cvJob.model.dispose();
  }

  // The baseline: fit on 80%, report on the 20% held out, return the 80% model.
  const split = stratifiedSplit([...train.labels], spec.fit.validationSplit, seed);
  const holdoutChoice: EvaluationChoice = { ...choice, method: 'holdout', folds: 1, learningCurve: false };
  const data = trainingData(train.subset(split.train), train.subset(split.validation));
  const hJob = await singleFitJob(plan(spec, data, holdoutChoice, await cloneModel(source)));
  try {
    if (hJob.evaluation.task !== 'classification') throw new Error('not a classification evaluation');
    const holdout = trialOf(hJob.evaluation, await poolAccuracy(hJob.model, pool));
    return { perClass, seed, cv, holdout, cvMs };
  } finally {
    hJob.model.dispose();
  }
}

export interface TrialSummary {
  mae: number;
  bias: number;
  coverage: number;
  meanWidth: number;
  meanEstimate: number;
  meanTruth: number;
  /** Largest |estimate - truth|. */
  worst: number;
}

export function summarise(trials: readonly Trial[]): TrialSummary {
  const mean = (f: (t: Trial) => number) => trials.reduce((a, t) => a + f(t), 0) / trials.length;
  return {
    mae: mean((t) => Math.abs(t.estimate - t.truth)),
    bias: mean((t) => t.estimate - t.truth),
    coverage: mean((t) => (t.low <= t.truth && t.truth <= t.high ? 1 : 0)),
    meanWidth: mean((t) => t.high - t.low),
    meanEstimate: mean((t) => t.estimate),
    meanTruth: mean((t) => t.truth),
    worst: Math.max(...trials.map((t) => Math.abs(t.estimate - t.truth))),
  };
}

export interface EvaluationMnistBench {
  source: { accuracy: number; trainMs: number; examples: number };
  poolExamples: number;
  sizes: Array<Case & { repetitions: Repetition[]; cv: TrialSummary; holdout: TrialSummary }>;
  totalMs: number;
}

/**
 * `repetitions` draws at each size (the same seeds 1..r at every size, so draws differ within a
 * size and the sizes are comparable). `budgetMs` stops adding repetitions to a size once its
 * share of the budget is spent (at least `minRepetitions` each).
 */
export async function benchEvaluationMnist(
  o: {
    cases?: Case[];
    repetitions?: number;
    minRepetitions?: number;
    budgetMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<EvaluationMnistBench> {
  const log = o.log ?? (() => undefined);
  const cases = o.cases ?? [8, 16, 50].map((perClass) => ({ perClass, earlyStopping: true }));
  const started = performance.now();
  const source = await trainSourceModel();
  log(
    `source CNN on digits 0-4: ${(source.accuracy * 100).toFixed(1)}% held out, ${Math.round(source.trainMs)} ms`,
  );
  const { features, labels } = mnistArrays(TARGET_DIGITS, POOL_PER_CLASS, TRAIN_RANGE);
  const pool = new MemorySource(features, labels, [28, 28, 1]);
  const out: EvaluationMnistBench['sizes'] = [];
  try {
    for (const c of cases) {
      const sizeStarted = performance.now();
      const reps: Repetition[] = [];
      const share = (o.budgetMs ?? Infinity) / cases.length;
      for (let seed = 1; seed <= (o.repetitions ?? 20); seed++) {
        const spent = performance.now() - sizeStarted;
        if (reps.length >= (o.minRepetitions ?? 10) && spent > share) break;
        const r = await repetition(source.model, pool, c, seed);
        reps.push(r);
        log(
          `${c.perClass}/class${c.earlyStopping ? '' : ' (fixed epochs)'} #${seed}: cv ${r.cv.estimate.toFixed(3)} [${r.cv.low.toFixed(3)}, ${r.cv.high.toFixed(3)}] ` +
            `pool ${r.cv.truth.toFixed(3)}; holdout ${r.holdout.estimate.toFixed(3)} pool ${r.holdout.truth.toFixed(3)}; ` +
            `${Math.round(r.cvMs)} ms`,
        );
      }
      out.push({
        ...c,
        repetitions: reps,
        cv: summarise(reps.map((r) => r.cv)),
        holdout: summarise(reps.map((r) => r.holdout)),
      });
    }
  } finally {
    source.model.dispose();
  }
  const { model: _model, ...info } = source;
  return { source: info, poolExamples: pool.size, sizes: out, totalMs: performance.now() - started };
}
