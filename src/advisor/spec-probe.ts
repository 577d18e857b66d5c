import type { CandidateSpec } from '../contracts/advisor.js';
import { parseJobSpec, type JobSpec } from '../contracts/job-spec.js';
import { crossValidateFeatureHead } from '../ml/index.js';

/**
 * The candidate's own learner on its frozen features: the head its ready spec adds (batch
 * normalisation and the softmax output, after the pooling the features already went through),
 * trained by the trainer with the spec's optimiser, epochs, validation split, callbacks and seed.
 * A frozen base maps each example to the same features in every epoch, so this is the job the
 * spec runs, on the cut's features instead of the images (the trainer's feature cache does the
 * same). Cross-validated on the shared folds, it estimates what the spec itself will reach,
 * which the quicker softmax probe only approximates; the advisor benchmark compares the two.
 */

/** Any valid id: the job never reads a dataset, its rows are given. */
const NO_DATASET = 'ds_0000000000000000';

/** The spec's head alone, as a job on feature rows (no base: the features are its input). */
export function featureJob(spec: CandidateSpec): JobSpec {
  const head = (spec.head ?? []).filter((l) => l.type !== 'globalAveragePooling2d' && l.type !== 'flatten');
  return parseJobSpec({
    datasetId: NO_DATASET,
    head,
    compile: spec.compile,
    fit: spec.fit,
    callbacks: spec.callbacks,
    seed: spec.seed ?? 0,
  });
}

/** Out-of-fold correctness of the spec's learner on every example, on one repeat of the folds. */
export function crossValidateSpec(o: {
  spec: CandidateSpec;
  values: Float32Array;
  dim: number;
  labels: readonly number[];
  classes: readonly string[];
  folds: readonly number[];
  k: number;
  signal?: AbortSignal;
}): Promise<{ correct: Uint8Array }> {
  return crossValidateFeatureHead({
    job: featureJob(o.spec),
    rows: { values: o.values, dim: o.dim, labels: o.labels },
    classes: o.classes,
    folds: o.folds,
    k: o.k,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}
