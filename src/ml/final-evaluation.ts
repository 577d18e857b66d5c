import type { Evaluation } from '../contracts/model-meta.js';
import type { ProgressFn } from '../contracts/progress.js';
import { type EvaluateOptions, type ExampleOutputs, evaluate, outputsCollector } from './evaluate.js';
import type { ExampleSource, TrainingData } from './example-source.js';
import { throughPrefix } from './feed.js';
import type { LayersModel } from './model-io.js';
import type { PerExampleLoss } from './losses.js';
import type { Feed } from './train-loop.js';

/** What the end of a train() run evaluates with. */
export interface EvaluatedRun {
  /** The run's TrainOptions (what of them the evaluation reads). */
  opts: {
    data: Pick<TrainingData, 'task' | 'classes'>;
    spec: { fit: { batchSize: number } };
    evaluateOn?: ExampleSource;
    collectOutputs?: boolean;
    referenceFeatures?: boolean;
    signal?: AbortSignal;
    onProgress?: ProgressFn;
  };
  model: LayersModel;
  hasValidation: boolean;
  loss: PerExampleLoss;
}

/**
 * The evaluation stored with the model: on `evaluateOn` (raw examples, through the whole
 * model), else on the validation split, else on the training data, through the feed.
 */
export async function evaluateRun(run: EvaluatedRun, feed: Feed): Promise<Evaluated> {
  const { opts } = run;
  const { prefix } = feed;
  const onTrain = !opts.evaluateOn && !(run.hasValidation && feed.validation);
  const trainSource = () => (prefix ? throughPrefix(feed.train, prefix) : feed.train);
  const [forward, source] = opts.evaluateOn
    ? [run.model, opts.evaluateOn]
    : onTrain
      ? [feed.forward, trainSource()]
      : [feed.forward, feed.validation as ExampleSource];
  const evalOpts = {
    task: opts.data.task,
    classes: opts.data.classes,
    loss: run.loss,
    batchSize: opts.spec.fit.batchSize,
    signal: opts.signal,
    features: true,
  };
  const collector =
    opts.collectOutputs || (opts.referenceFeatures && onTrain) ? outputsCollector() : undefined;
  const evaluation = await finalEvaluation(forward, source, {
    ...evalOpts,
    onProgress: opts.onProgress,
    ...(collector ? { onOutputs: collector.onOutputs } : {}),
  });
  const outputs = collector?.result();
  let reference = onTrain ? outputs : undefined;
  if (opts.referenceFeatures && !reference) {
    const c = outputsCollector();
    await finalEvaluation(feed.forward, trainSource(), {
      ...evalOpts,
      onProgress: undefined,
      onOutputs: c.onOutputs,
    });
    reference = c.result();
  }
  return {
    evaluation,
    ...(opts.collectOutputs && outputs ? { outputs } : {}),
    ...(opts.referenceFeatures && reference ? { reference } : {}),
  };
}

export interface Evaluated {
  evaluation: Evaluation;
  outputs?: ExampleOutputs;
  reference?: ExampleOutputs;
}

/** The evaluation stored with the model, reported as the `evaluating` phase. */
function finalEvaluation(
  forward: LayersModel,
  source: ExampleSource,
  o: Omit<EvaluateOptions, 'onBatch'> & { batchSize: number; onProgress: ProgressFn | undefined },
): Promise<Evaluation> {
  const batches = Math.ceil(source.size / o.batchSize);
  const started = performance.now();
  return evaluate(forward, source.batches(o.batchSize, { shuffle: false, seed: 0, epoch: 0 }), {
    ...o,
    onBatch: (n) => {
      const ms = performance.now() - started;
      o.onProgress?.({
        phase: 'evaluating',
        epoch: 0,
        epochs: 0,
        batch: Math.ceil(n / o.batchSize),
        batches,
        metrics: {},
        examplesPerSec: (n * 1000) / ms,
        etaMs: (ms / n) * (source.size - n),
      });
    },
  });
}
