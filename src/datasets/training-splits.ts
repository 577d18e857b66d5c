import { ValidationError } from '../lib/errors.js';
import { stratifiedSplit } from '../lib/seeded-split.js';
import type { SplitName } from './dataset-manifest.js';

export interface TrainingSplits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Which examples train, validate and test a job: the dataset's own split folders when it came
 * with them (an empty validation split falls back to test), else a seeded stratified split of
 * every example. A dataset with nothing to train on is a 400 naming it.
 */
export function trainingSplits<T>(
  datasetId: string,
  examples: readonly T[],
  opts: {
    provided: boolean;
    splitOf: (example: T) => SplitName;
    labelOf: (example: T) => number;
    validationSplit: number;
    seed: number;
    /** Every example trains (see OpenTrainingDataOptions.allExamples). */
    allExamples?: boolean;
  },
): TrainingSplits<T> {
  const inSplit = (s: SplitName): T[] => examples.filter((e) => opts.splitOf(e) === s);
  if (opts.allExamples) return { train: [...examples], validation: [], test: [] };
  const test = inSplit('test');
  let train: T[];
  let validation: T[];
  if (opts.provided) {
    train = inSplit('train');
    validation = inSplit('validation');
    if (validation.length === 0) validation = test;
  } else {
    const split = stratifiedSplit(examples.map(opts.labelOf), opts.validationSplit, opts.seed);
    train = split.train.map((i) => examples[i] as T);
    validation = split.validation.map((i) => examples[i] as T);
  }
  if (train.length === 0) {
    throw new ValidationError(`dataset '${datasetId}' has no training examples`, {
      errors: [{ path: 'datasetId', message: 'no examples in the train split' }],
    });
  }
  return { train, validation, test };
}
