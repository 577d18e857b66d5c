import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import type { Store } from '../../storage/store.js';
import {
  EXAMPLES_DIR,
  INDEX_FILE,
  readImageIndex,
  type DatasetManifest,
  type ImageDatasetManifest,
  type ImageExampleRecord,
  type ImageIndex,
} from '../dataset-manifest.js';
import type {
  DatasetExampleSource,
  Modality,
  OpenedTrainingData,
  OpenTrainingDataOptions,
} from '../modality.js';
import { trainingSplits } from '../training-splits.js';
import { ingestImageZip } from './image-ingest.js';
import { ImageExampleSource } from './image-source.js';

/** Images: a zip of class folders (or images plus labels.csv), read as decoded, resized tensors. */
export const imageModality: Modality = {
  kind: 'image',
  uploads: ['zip'],
  accepts: (probe) => probe.kind === 'zip',
  async ingest(upload, dir, { common, fields, limits }) {
    if (fields.task === 'regression') {
      throw new ValidationError('image datasets are classification datasets; task regression needs a CSV', {
        errors: [{ path: 'body.task', message: 'regression applies to CSV uploads only' }],
      });
    }
    const result = await ingestImageZip(upload.path, dir, limits);
    const manifest: DatasetManifest = { ...common, ...result.manifest };
    const index: ImageIndex = { examples: result.index };
    await writeFile(path.join(dir, INDEX_FILE), JSON.stringify(index));
    return manifest;
  },
  openTrainingData(store, manifest, opts) {
    if (manifest.kind !== 'image') throw new Error(`dataset '${manifest.id}' is not an image dataset`);
    return openImages(store, manifest, opts);
  },
};

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
  const dir = await store.collection('datasets').local(manifest.id, EXAMPLES_DIR);
  const source = (records: ImageExampleRecord[]): DatasetExampleSource | undefined =>
    records.length > 0 ? new ImageExampleSource(dir, records, spec, opts.concurrency) : undefined;

  const { train, validation, test } = trainingSplits(manifest.id, examples, {
    provided: manifest.split.provided,
    splitOf: (r) => r.split,
    labelOf: (r) => r.label,
    validationSplit: opts.validationSplit,
    seed: opts.seed,
    ...(opts.allExamples ? { allExamples: true } : {}),
  });
  const trainSource = source(train) as DatasetExampleSource;
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
