import { readFile } from 'node:fs/promises';
import { stratifiedSplit } from '../../lib/seeded-split.js';
import type { Store } from '../../storage/store.js';
import {
  FEATURES_FILE,
  TARGETS_FILE,
  type DatasetManifest,
  type TabularDatasetManifest,
} from '../dataset-manifest.js';
import type { Modality, OpenedTrainingData, OpenTrainingDataOptions } from '../modality.js';
import { ingestCsv } from './tabular-ingest.js';
import { featureStats, TabularExampleSource } from './tabular-source.js';

/** Tables: a CSV of numeric features with a label column, read as standardised rows. */
export const tabularModality: Modality = {
  kind: 'tabular',
  uploads: ['csv'],
  accepts: (probe) => probe.kind === 'csv',
  async ingest(upload, dir, { common, fields }) {
    const result = await ingestCsv(upload.path, dir, {
      labelColumn: fields.labelColumn ?? 'label',
      ...(fields.task ? { task: fields.task } : {}),
    });
    const manifest: DatasetManifest = { ...common, ...result };
    return manifest;
  },
  openTrainingData(store, manifest, opts) {
    if (manifest.kind !== 'tabular') throw new Error(`dataset '${manifest.id}' is not a tabular dataset`);
    return openTabular(store, manifest, opts);
  },
};

async function openTabular(
  store: Store,
  manifest: TabularDatasetManifest,
  opts: OpenTrainingDataOptions,
): Promise<OpenedTrainingData> {
  const col = store.collection('datasets');
  const featuresFile = await col.local(manifest.id, FEATURES_FILE);
  const raw = await readFile(await col.local(manifest.id, TARGETS_FILE));
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
