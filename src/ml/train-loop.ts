import * as tf from '@tensorflow/tfjs';
import { UnprocessableError } from '../lib/errors.js';
import type { EpochLog } from '../contracts/model-meta.js';
import { type AugmentSpec, augmentBatch } from './augment.js';
import {
  EarlyStopping,
  type EarlyStoppingConfig,
  type EarlyStoppingOutcome,
  type EpochMetrics,
  ReduceLROnPlateau,
  type ReduceLrConfig,
} from './callbacks.js';
import { throwIfAborted } from '../lib/cancellation.js';
import { evaluate } from './evaluate.js';
import { type PerExampleLoss, metricSum } from './losses.js';
import { getLearningRate } from './optimizers.js';
import type { ProgressFn } from '../contracts/progress.js';
import { mulberry32 } from '../lib/seeded-split.js';
import { deriveSeed } from './random.js';
import { DropoutSeeder, forceFrozenInference } from './train-mode.js';
import type { Batch, ExampleSource } from './example-source.js';
import type { PrefixThread } from './prefix-thread.js';
import type { Task } from '../contracts/task.js';

/**
 * One training phase (the first fit, or the fine-tune): a manual epoch loop over async batches
 * with `optimizer.minimize`, so that it can report every batch, stop at the next batch when
 * cancelled, weight classes, run frozen layers in inference mode and train either the full model
 * or the suffix of a feature cache with the same code.
 */

export interface Feed {
  /**
   * The frozen prefix, when batches run through it as inference before `forward` (uncached):
   * it is never on the gradient tape. `validation` already yields its outputs.
   */
  prefix?: tf.LayersModel;
  /** What batches go through: the full model, or the trainable suffix over prefix features. */
  forward: tf.LayersModel;
  train: ExampleSource;
  validation: ExampleSource | undefined;
}

export interface PhaseOptions {
  phase: 'train' | 'fineTune';
  /** The full model: its trainable weights are trained, its layers' modes are set. */
  model: tf.LayersModel;
  feed: Feed;
  optimizer: tf.Optimizer;
  epochs: number;
  /** Epochs run by earlier phases, so this phase's shuffles differ from theirs. */
  epochOffset: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  task: Task;
  classes: readonly string[];
  loss: PerExampleLoss;
  classWeights?: number[] | undefined;
  augment?: { spec: AugmentSpec; range: [number, number] } | undefined;
  reduceLr?: ReduceLrConfig | undefined;
  earlyStopping?: EarlyStoppingConfig | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressFn | undefined;
  /** Examples per forward/backward pass; a larger batch is split (see memory-plan.ts). */
  microBatch?: number | undefined;
  /**
   * Runs `feed.prefix` on another core, a batch ahead of the step (see prefix-thread.ts); the
   * steps then receive the prefix's features instead of running it themselves.
   */
  prefixThread?: PrefixThread | undefined;
}

export interface PhaseResult {
  history: EpochLog[];
  earlyStopping?: EarlyStoppingOutcome;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Regularisation penalties of the layers being trained (frozen layers' penalties are constants
 * that would only shift the reported loss, and would differ between cached and uncached runs).
 */
function penalties(model: tf.LayersModel): tf.Scalar[] {
  return model.layers.filter((l) => l.trainable).flatMap((l) => l.calculateLosses());
}

/** One optimizer step over a batch: the batch's mean loss (with penalties) and its summed metric. */
type TrainStep = (xs: tf.Tensor, ys: tf.Tensor, xsAreFeatures?: boolean) => [tf.Scalar, tf.Scalar];

/**
 * One optimizer update over a batch, in micro-batches of `o.microBatch` examples: each runs
 * through the frozen prefix as inference, then its summed loss over the whole batch's size is
 * differentiated for the trainable weights only, and the gradients are added up before a single
 * update. So the update equals the full batch's (up to float rounding), except that a trainable
 * BatchNormalization normalises each micro-batch with its own statistics and updates its moving
 * averages once per micro-batch. Regularisation penalties count once per batch.
 */
function makeTrainStep(
  o: PhaseOptions,
  vars: tf.Variable[],
  cw: tf.Tensor1D | undefined,
  /** Re-seeds dropout for micro-batch `chunk` (> 0) of the current step. */
  reseed: (chunk: number) => void,
): TrainStep {
  return (xs, ys, xsAreFeatures = false) => {
    const n = ys.shape[0] as number;
    const size = Math.max(1, Math.min(n, o.microBatch ?? n));
    let grads: tf.NamedTensorMap | undefined;
    let cost: tf.Scalar | undefined;
    let metric: tf.Scalar | undefined;
    try {
      for (let start = 0, chunk = 0; start < n; start += size, chunk++) {
        const count = Math.min(size, n - start);
        if (chunk > 0) reseed(chunk);
        const [part, partYs] =
          count === n ? [xs, ys] : [tf.slice(xs, start, count), tf.slice(ys, start, count)];
        const input = o.feed.prefix && !xsAreFeatures ? (o.feed.prefix.predict(part) as tf.Tensor) : part;
        let partMetric: tf.Scalar | undefined;
        try {
          const { value, grads: g } = tf.variableGrads(() => {
            const out = o.feed.forward.apply(input, { training: true }) as tf.Tensor;
            partMetric = tf.keep(metricSum(o.task, partYs, out));
            let perExample: tf.Tensor = o.loss(partYs, out);
            if (cw) perExample = tf.mul(perExample, tf.gather(cw, tf.cast(partYs, 'int32')));
            let total = tf.div(tf.sum(perExample), n) as tf.Scalar;
            if (chunk === 0) for (const p of penalties(o.model)) total = tf.add(total, p);
            return total;
          }, vars);
          if (!grads) grads = g;
          else {
            const sum: tf.NamedTensorMap = {};
            for (const [k, t] of Object.entries(g)) sum[k] = tf.add(grads[k] as tf.Tensor, t);
            tf.dispose([...Object.values(grads), ...Object.values(g)]);
            grads = sum;
          }
          const nextCost: tf.Scalar = cost ? tf.add(cost, value) : value;
          const nextMetric: tf.Scalar = metric
            ? tf.add(metric, partMetric as tf.Scalar)
            : (partMetric as tf.Scalar);
          if (cost) tf.dispose([cost, value]);
          if (metric) tf.dispose([metric, partMetric as tf.Scalar]);
          cost = nextCost;
          metric = nextMetric;
        } catch (err) {
          partMetric?.dispose();
          throw err;
        } finally {
          if (input !== part) input.dispose();
          if (part !== xs) tf.dispose([part, partYs]);
        }
      }
      o.optimizer.applyGradients(grads as tf.NamedTensorMap);
      return [cost as tf.Scalar, metric as tf.Scalar];
    } catch (err) {
      tf.dispose([cost, metric].filter((t): t is tf.Scalar => t !== undefined));
      throw err;
    } finally {
      if (grads) tf.dispose(Object.values(grads));
    }
  };
}

/**
 * `source`'s batches with `prepare` (augmentation) applied in order, then through the prefix
 * thread one batch ahead: batch i+1 is sent before batch i is handed out, so the thread computes
 * it while the caller trains on batch i. Yields the prefix's features for each batch.
 */
async function* throughPrefixThread(
  source: AsyncIterable<Batch>,
  thread: PrefixThread,
  prepare: (b: Batch) => tf.Tensor,
): AsyncGenerator<Batch> {
  const send = (b: Batch): Promise<Batch> => {
    let xs: tf.Tensor | undefined;
    try {
      xs = prepare(b);
    } catch (err) {
      tf.dispose([b.xs, b.ys]);
      throw err;
    }
    const input = xs;
    return thread.run(input).then(
      (features) => {
        tf.dispose([input, b.xs]);
        return { xs: features, ys: b.ys };
      },
      (err: unknown) => {
        tf.dispose([input, b.xs, b.ys]);
        throw err;
      },
    );
  };
  // Sent and not yet handed out; at most two (the one being trained on is the caller's).
  const inFlight: Array<Promise<Batch>> = [];
  try {
    for await (const b of source) {
      const next = send(b);
      // Settled later; a rejection surfaces when its turn comes, not as an unhandled one.
      next.catch(() => {});
      inFlight.push(next);
      if (inFlight.length > 1) yield await (inFlight.shift() as Promise<Batch>);
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Promise<Batch>);
  } finally {
    // Stopped early (cancelled, diverged): what is still in flight is disposed before returning.
    for (const p of inFlight.splice(0)) {
      try {
        const b = await p;
        tf.dispose([b.xs, b.ys]);
      } catch {
        // its tensors were disposed where it failed
      }
    }
  }
}

/** The epoch's validation loss and metric, into its log and the callbacks' metrics. */
async function addValidation(o: PhaseOptions, log: EpochLog, metrics: EpochMetrics): Promise<void> {
  if (!o.feed.validation || o.feed.validation.size === 0) return;
  const ev = await evaluate(
    o.feed.forward,
    o.feed.validation.batches(o.batchSize, { shuffle: false, seed: o.seed, epoch: 0 }),
    { task: o.task, classes: o.classes, loss: o.loss, signal: o.signal },
  );
  log.valLoss = metrics.val_loss = ev.loss;
  if (ev.task === 'classification') log.valAcc = metrics.val_acc = ev.accuracy;
  else log.valMae = metrics.val_mae = ev.mae;
}

/** What a phase keeps across its epochs and batches. */
interface PhaseRun {
  o: PhaseOptions;
  metricName: 'acc' | 'mae';
  /** Batches per epoch, and in the whole phase. */
  batches: number;
  totalBatches: number;
  /** 1 for the first fit, 2 for the fine-tune: part of every dropout seed. */
  phaseIndex: number;
  seeder: DropoutSeeder;
  trainStep: TrainStep;
  /** Optimizer steps taken so far in this phase. */
  step: number;
  /** Training time of the finished epochs (validation excluded), for the ETA. */
  trainMs: number;
}

/** One epoch's running sums, as its batches go by. */
interface EpochTally {
  epoch: number;
  /** The learning rate at the epoch's start. */
  lr: number;
  started: number;
  /** Batches done, examples seen, and their summed loss and metric. */
  batch: number;
  seen: number;
  lossSum: number;
  metricTotal: number;
  /** The epoch's training time, once it is over. */
  ms: number;
}

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (vars.length === 0) throw new UnprocessableError('nothing to train: every layer is frozen');
  const history: EpochLog[] = [];
  const reduceLr = o.reduceLr ? new ReduceLROnPlateau(o.reduceLr, o.optimizer) : undefined;
  const early = o.earlyStopping ? new EarlyStopping(o.earlyStopping, o.model) : undefined;
  const cw = o.classWeights ? tf.tensor1d(o.classWeights) : undefined;
  const restoreModes = forceFrozenInference(o.model);
  const seeder = new DropoutSeeder(o.model, o.seed);
  const run = startRun(o, vars, cw, seeder);
  let lastEpoch = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const tally = await runEpoch(run, epoch);
      lastEpoch = epoch;
      const metrics = await endEpoch(run, tally, history);
      reduceLr?.onEpochEnd(metrics);
      if (early?.onEpochEnd(epoch, metrics)) break;
    }
    const result: PhaseResult = { history };
    if (early) result.earlyStopping = early.finish(lastEpoch);
    return result;
  } finally {
    early?.dispose();
    cw?.dispose();
    seeder.restore();
    restoreModes();
  }
}

/** The phase's counters and its train step, whose micro-batches re-seed dropout per step. */
function startRun(
  o: PhaseOptions,
  vars: tf.Variable[],
  cw: tf.Tensor1D | undefined,
  seeder: DropoutSeeder,
): PhaseRun {
  const batches = Math.ceil(o.feed.train.size / o.batchSize);
  const phaseIndex = o.phase === 'train' ? 1 : 2;
  const run: PhaseRun = {
    o,
    metricName: o.task === 'classification' ? 'acc' : 'mae',
    batches,
    totalBatches: batches * o.epochs,
    phaseIndex,
    seeder,
    trainStep: makeTrainStep(o, vars, cw, (chunk) => seeder.setStep(deriveSeed(phaseIndex, run.step, chunk))),
    step: 0,
    trainMs: 0,
  };
  return run;
}

/**
 * One epoch: the training batches in this epoch's order, augmented (in the prefix thread's
 * pipeline when there is one), a step on each, progress after each.
 */
async function runEpoch(run: PhaseRun, epoch: number): Promise<EpochTally> {
  const { o } = run;
  const lr = getLearningRate(o.optimizer);
  const augRng = mulberry32(deriveSeed(o.seed, 0xa6, o.epochOffset + epoch));
  const tally: EpochTally = {
    epoch,
    lr,
    started: performance.now(),
    batch: 0,
    seen: 0,
    lossSum: 0,
    metricTotal: 0,
    ms: 0,
  };
  const batchesIn = o.feed.train.batches(o.batchSize, {
    shuffle: o.shuffle,
    seed: o.seed,
    epoch: o.epochOffset + epoch,
  });
  const augment = (xs: tf.Tensor): tf.Tensor =>
    o.augment ? augmentBatch(xs, o.augment.spec, augRng, o.augment.range) : xs;
  const pipelined = o.prefixThread !== undefined && o.feed.prefix !== undefined;
  const source = pipelined
    ? throughPrefixThread(batchesIn, o.prefixThread as PrefixThread, (b) => augment(b.xs))
    : batchesIn;
  for await (const b of source) {
    await trainBatch(run, tally, b, pipelined, augment);
    tally.batch++;
    reportBatch(run, tally);
  }
  tally.ms = performance.now() - tally.started;
  run.trainMs += tally.ms;
  return tally;
}

/**
 * One step on batch `b` (its xs already the prefix's features when `pipelined`, else augmented
 * here), added to the tally; a loss that is not finite stops the phase. Disposes the batch.
 */
async function trainBatch(
  run: PhaseRun,
  tally: EpochTally,
  b: Batch,
  pipelined: boolean,
  augment: (xs: tf.Tensor) => tf.Tensor,
): Promise<void> {
  const { o } = run;
  let xs = b.xs;
  try {
    // A macrotask turn per batch, so cancel messages and timers get through.
    await yieldToEventLoop();
    throwIfAborted(o.signal);
    if (!pipelined) xs = augment(b.xs);
    run.seeder.setStep(deriveSeed(run.phaseIndex, run.step));
    const [lossT, metricT] = run.trainStep(xs, b.ys, pipelined);
    run.step++;
    const [lossV, metricV] = await Promise.all([lossT.data(), metricT.data()]);
    tf.dispose([lossT, metricT]);
    const n = b.ys.shape[0] as number;
    const l = lossV[0] as number;
    if (!Number.isFinite(l)) {
      throw new UnprocessableError(
        `training diverged: the loss became ${l} in epoch ${tally.epoch}, batch ${tally.batch + 1} of phase '${o.phase}'; ` +
          'lower the learning rate',
      );
    }
    tally.lossSum += l * n;
    tally.metricTotal += metricV[0] as number;
    tally.seen += n;
  } finally {
    if (xs !== b.xs) xs.dispose();
    tf.dispose([b.xs, b.ys]);
  }
}

/** Progress after a batch: the epoch's running loss and metric, throughput and the phase's ETA. */
function reportBatch(run: PhaseRun, t: EpochTally): void {
  const { o } = run;
  const elapsed = run.trainMs + (performance.now() - t.started);
  const done = (t.epoch - 1) * run.batches + t.batch;
  o.onProgress?.({
    phase: o.phase,
    epoch: t.epoch,
    epochs: o.epochs,
    batch: t.batch,
    batches: run.batches,
    loss: t.lossSum / t.seen,
    metrics: { [run.metricName]: t.metricTotal / t.seen },
    learningRate: t.lr,
    examplesPerSec: (t.seen * 1000) / (performance.now() - t.started),
    etaMs: (elapsed / done) * (run.totalBatches - done),
  });
}

/**
 * The epoch's log (its training figures, then validation), added to `history` and reported as
 * the epoch's end; returns the metrics the callbacks watch.
 */
async function endEpoch(run: PhaseRun, t: EpochTally, history: EpochLog[]): Promise<EpochMetrics> {
  const { o, metricName } = run;
  const metrics: EpochMetrics = { loss: t.lossSum / t.seen, [metricName]: t.metricTotal / t.seen };
  const log: EpochLog = {
    phase: o.phase,
    epoch: t.epoch,
    loss: t.lossSum / t.seen,
    [metricName]: t.metricTotal / t.seen,
    lr: t.lr,
    examplesPerSec: (t.seen * 1000) / t.ms,
  };
  await addValidation(o, log, metrics);
  history.push(log);
  o.onProgress?.({
    phase: o.phase,
    epoch: t.epoch,
    epochs: o.epochs,
    batch: t.batch,
    batches: run.batches,
    loss: log.loss,
    metrics: Object.fromEntries(Object.entries(metrics).filter(([, v]) => v !== undefined)) as Record<
      string,
      number
    >,
    learningRate: t.lr,
    examplesPerSec: log.examplesPerSec as number,
    etaMs: (run.trainMs / (t.epoch * run.batches)) * (run.totalBatches - t.epoch * run.batches),
    epochEnd: log,
  });
  return metrics;
}
