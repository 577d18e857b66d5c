import { readFile } from 'node:fs/promises';
import { ValidationError } from '../lib/errors.js';
import type { TrainingData } from '../ml/example-source.js';
import type { Store } from '../storage/store.js';
import { ImageExampleSource, type DatasetExampleSource } from './image/image-source.js';
import {
  EXAMPLES_DIR,
  FEATURES_FILE,
  TARGETS_FILE,
  readImageIndex,
  readManifest,
  type DatasetManifest,
  type ImageDatasetManifest,
  type ImageExampleRecord,
  type TabularDatasetManifest,
} from './dataset-manifest.js';
import type { ImagePreprocessing, Preprocessing } from '../contracts/preprocessing.js';
import { stratifiedSplit } from '../lib/seeded-split.js';
import { featureStats, TabularExampleSource } from './tabular/tabular-source.js';

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

export interface OpenTrainingDataOptions {
  /** Required for image datasets: input size, channels, scaling and resize mode. */
  image?: ImagePreprocessing;
  /** Fraction of examples held out for validation when the dataset has no split of its own, in [0, 1). */
  validationSplit: number;
  seed: number;
  /** Image decodes in flight per batch (default 4). */
  concurrency?: number;
}

export interface DatasetTrainingData extends TrainingData {
  train: DatasetExampleSource;
  validation?: DatasetExampleSource;
  /** The dataset's own `test/` split, never used while fitting; for a final evaluation. */
  test?: DatasetExampleSource;
}

export interface OpenedTrainingData {
  data: DatasetTrainingData;
  preprocessing: Preprocessing;
  manifest: DatasetManifest;
}

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
  return manifest.kind === 'image' ? openImages(store, manifest, opts) : openTabular(store, manifest, opts);
}

async function openImages(
  store: Store,
  manifest: ImageDatasetManifest,
  opts: OpenTrainingDataOptions,
): Promise<OpenedTrainingData> {
  const spec = opts.image;
  if (!spec) {
    throw new ValidationError(`dataset '${manifest.id}' holds images: an input size is needed to load it`, {
      errors: [{ path: 'input.size', message: 'required for image datasets' }],
    });
  }
  const { examples } = await readImageIndex(store, manifest.id);
  const dir = store.collection('datasets').pathOf(manifest.id, EXAMPLES_DIR);
  const source = (records: ImageExampleRecord[]): DatasetExampleSource | undefined =>
    records.length > 0 ? new ImageExampleSource(dir, records, spec, opts.concurrency) : undefined;

  const inSplit = (s: ImageExampleRecord['split']): ImageExampleRecord[] =>
    examples.filter((r) => r.split === s);
  let train: ImageExampleRecord[];
  let validation: ImageExampleRecord[];
  const test = inSplit('test');
  if (manifest.split.provided) {
    train = inSplit('train');
    validation = inSplit('validation');
    if (validation.length === 0) validation = test;
  } else {
    const split = stratifiedSplit(
      examples.map((r) => r.label),
      opts.validationSplit,
      opts.seed,
    );
    train = split.train.map((i) => examples[i] as ImageExampleRecord);
    validation = split.validation.map((i) => examples[i] as ImageExampleRecord);
  }
  const trainSource = source(train);
  if (!trainSource) {
    throw new ValidationError(`dataset '${manifest.id}' has no training examples`, {
      errors: [{ path: 'datasetId', message: 'no examples in the train split' }],
    });
  }
  const validationSource = source(validation);
  const testSource = source(test);
  return {
    manifest,
    preprocessing: { kind: 'image', image: spec },
    data: {
      kind: 'image',
      task: 'classification',
      classes: manifest.classes.map((c) => c.name),
      inputShape: [spec.size[0], spec.size[1], spec.channels],
      train: trainSource,
      ...(validationSource ? { validation: validationSource } : {}),
      ...(testSource ? { test: testSource } : {}),
    },
  };
}

async function openTabular(
  store: Store,
  manifest: TabularDatasetManifest,
  opts: OpenTrainingDataOptions,
): Promise<OpenedTrainingData> {
  const col = store.collection('datasets');
  const featuresFile = col.pathOf(manifest.id, FEATURES_FILE);
  const raw = await readFile(col.pathOf(manifest.id, TARGETS_FILE));
  const targets = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const nFeatures = manifest.features.length;
  const groups =
    manifest.task === 'classification'
      ? Array.from(targets, (t) => t)
      : new Array<number>(targets.length).fill(0);
  const split = stratifiedSplit(groups, opts.validationSplit, opts.seed);
  const { mean, std } = await featureStats(featuresFile, split.train, nFeatures);
  const make = (rows: number[]): TabularExampleSource =>
    new TabularExampleSource(featuresFile, rows, targets, nFeatures, mean, std, manifest.task);
  return {
    manifest,
    preprocessing: { kind: 'tabular', tabular: { features: [...manifest.features], mean, std } },
    data: {
      kind: 'tabular',
      task: manifest.task,
      classes: manifest.classes.map((c) => c.name),
      inputShape: [nFeatures],
      train: make(split.train),
      ...(split.validation.length > 0 ? { validation: make(split.validation) } : {}),
    },
  };
}
