import { ValidationError } from '../lib/errors.js';
import type { Store } from '../storage/store.js';
import { readManifest } from './dataset-manifest.js';
import type { OpenedTrainingData, OpenTrainingDataOptions } from './modality.js';
import { modalityOf } from './modalities.js';

/**
 * The trainer's entry point to a stored dataset: batches of tensors for a given input size and
 * scaling, split into train and validation.
 *
 * - Image datasets that came with their own `val/` (or `test/`) folders keep that split: `val`
 *   is the validation source (`test` when there is no `val`), and `test`, when present, is also
 *   returned as `data.test`. `validationSplit` is then ignored.
 * - Otherwise validation is drawn per class (stratified) with `seed`: the same seed always gives
 *   the same split, and every class keeps its proportion on both sides.
 * - Tabular features are standardised with the mean and std of the training split only; they
 *   are returned in `preprocessing` so serving applies exactly the same transform.
 */

export async function openTrainingData(
  store: Store,
  datasetId: string,
  opts: OpenTrainingDataOptions,
): Promise<OpenedTrainingData> {
  if (!(opts.validationSplit >= 0 && opts.validationSplit < 1)) {
    throw new ValidationError('validationSplit must be at least 0 and below 1', {
      errors: [{ path: 'validationSplit', message: 'must be in [0, 1)' }],
    });
  }
  const manifest = await readManifest(store, datasetId);
  return modalityOf(manifest.kind).openTrainingData(store, manifest, opts);
}
