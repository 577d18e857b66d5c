import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../contracts/job-spec.js';
import { type FieldError, ValidationError } from '../lib/errors.js';
import { augmentActive } from './augment.js';
import { resolveMonitor } from './callbacks.js';
import { describeModel } from './describe-model.js';
import type { TrainingData } from './example-source.js';
import { resolveImageInput } from '../contracts/layer-refs.js';
import { classWeights, defaultLoss, lossFunction } from './losses.js';
import { PrefixThread } from './prefix-thread.js';
import { wasmBackendThreads } from './wasm-kernels/init-wasm-backend.js';
import type { Feed } from './train-loop.js';

/**
 * What train() (trainer.ts) settles before and around its phases: the checks only the loaded
 * model and data allow, the fit settings the spec resolves to, whether a phase's frozen prefix
 * runs on a thread of its own, and the final evaluation reported as a phase.
 */

/**
 * What only the loaded model and data can show. The spec itself was checked against the
 * dataset and base before it got here (src/jobs/spec-check.ts, in the API and in the worker),
 * so the trainer trusts it.
 */
export function checkJob({
  spec,
  data,
  base,
}: {
  spec: JobSpec;
  data: TrainingData;
  base?: tf.LayersModel | undefined;
}): void {
  if (!spec.base && base) throw new Error('train(): a base model was given for a job spec without `base`');
  const errors: FieldError[] = [];
  if (spec.base && !base)
    errors.push({ path: 'base', message: 'the job names a base model, but none was loaded' });
  if (data.train.size === 0)
    errors.push({ path: 'datasetId', message: 'the training split has no examples' });
  const baseDesc = base ? describeModel(base) : undefined;
  const expected = baseDesc
    ? baseDesc.inputShape.slice(1)
    : data.kind === 'image'
      ? (({ size, channels }) => [size[0], size[1], channels])(
          resolveImageInput(spec.input, undefined, data.inputShape),
        )
      : data.inputShape;
  const fits =
    expected.length === data.inputShape.length &&
    expected.every((d, i) => d === null || d === data.inputShape[i]);
  if (!fits && !errors.some((e) => e.path === 'base' || e.path.startsWith('input'))) {
    errors.push({
      path: 'input',
      message: `examples have shape [${data.inputShape.join(', ')}], the model takes [${expected.map((d) => d ?? '?').join(', ')}]`,
    });
  }
  if (errors.length) {
    throw new ValidationError(`the job spec does not fit ${base ? 'the base model or ' : ''}the dataset`, {
      errors,
    });
  }
}

/** What the spec says about fitting, resolved against the data: callbacks, augmentation, loss. */
export function fitSettings(
  opts: { spec: JobSpec; data: TrainingData; pixelRange?: [number, number] | undefined },
  hasValidation: boolean,
) {
  const { spec, data } = opts;
  const warnings: string[] = [];
  const monitor = (m: Parameters<typeof resolveMonitor>[0]) => {
    const r = resolveMonitor(m, hasValidation);
    if (r.warning && !warnings.includes(r.warning)) warnings.push(r.warning);
    return r.key;
  };
  const rl = spec.callbacks.reduceLROnPlateau;
  const es = spec.callbacks.earlyStopping;
  const reduceLr = rl && { ...rl, key: monitor(rl.monitor) };
  const earlyStopping = es && { ...es, key: monitor(es.monitor) };
  const augmenting = data.kind === 'image' && augmentActive(spec.augment);
  const augment =
    augmenting && spec.augment
      ? { spec: spec.augment, range: opts.pixelRange ?? spec.input?.scale ?? ([0, 1] as [number, number]) }
      : undefined;
  const loss = lossFunction(spec.compile.loss ?? defaultLoss(data.task), data.classes.length);
  const weights = classWeights(spec.classWeight, data.classes, data.train.labels);
  const watched = [reduceLr?.key, earlyStopping?.key].find((k) => k?.startsWith('val_'));
  if (watched && thinValidation(data)) warnings.push(thinValidationWarning(watched));
  return { warnings, reduceLr, earlyStopping, augmenting, augment, loss, weights };
}

/** Fewest validation examples of one class below which callbacks on them follow noise. */
export const MIN_VALIDATION_PER_CLASS = 5;

/** Whether some class has fewer than MIN_VALIDATION_PER_CLASS validation examples. */
function thinValidation(data: TrainingData): boolean {
  if (data.task !== 'classification' || !data.validation) return false;
  const counts = data.classes.map(() => 0);
  for (const l of data.validation.labels) counts[l] = (counts[l] ?? 0) + 1;
  return Math.min(...counts) < MIN_VALIDATION_PER_CLASS;
}

/** One wording for every run of a job (its folds see different counts), so the job's warnings dedupe. */
function thinValidationWarning(key: string): string {
  return (
    `the validation split holds fewer than ${MIN_VALIDATION_PER_CLASS} examples of some class: callbacks on '${key}' follow ` +
    'noise at this size and can cut the learning rate or stop training early (on the advisor benchmark this ' +
    "cost about 40 points of accuracy at 8 examples per class); validationSplit 0 with callbacks on 'loss' " +
    'trains on every example (the advisor writes its small-data specs so)'
  );
}

export const PREFIX_THREAD_MIN_BATCHES = 8;

/**
 * The prefix thread for a phase, or undefined (with a warning when it failed to start). `auto`
 * starts one only where the training thread's wasm backend runs on a single XNNPACK thread: with
 * every core in XNNPACK's pool a second instance competes for the same cores and holds a second
 * copy of the prefix, and measured at 224x224 inputs the pool alone is faster (BENCHMARKS.md).
 */
export async function prefixThreadFor(
  feed: Feed,
  mode: 'auto' | 'on' | 'off',
  batches: number,
  warnings: string[],
): Promise<PrefixThread | undefined> {
  if (!feed.prefix || mode === 'off') return undefined;
  if (mode === 'auto') {
    const cores = os.availableParallelism();
    if (tf.getBackend() !== 'wasm' || cores < 2 || batches < PREFIX_THREAD_MIN_BATCHES) return undefined;
    if (wasmBackendThreads() > 1) return undefined;
  }
  try {
    return await PrefixThread.start(feed.prefix);
  } catch (err) {
    const w = `the frozen prefix runs on the training thread: its own thread did not start (${err instanceof Error ? err.message : String(err)})`;
    if (!warnings.includes(w)) warnings.push(w);
    return undefined;
  }
}
