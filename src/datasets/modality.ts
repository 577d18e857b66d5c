import type { DataKind } from '../contracts/task.js';
import type { ImagePreprocessing, Preprocessing } from '../contracts/preprocessing.js';
import type { Task } from '../contracts/task.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';
import type { ExampleSource, TrainingData } from '../ml/example-source.js';
import type { Store } from '../storage/store.js';
import type { DatasetManifest } from './dataset-manifest.js';
import type { UploadKind } from './upload-sniff.js';

/**
 * The seam between what every dataset shares (upload, staging, manifest, listing) and what
 * differs per modality: how an upload is ingested and how its examples are read for training.
 * Each modality is one folder under src/datasets/ and one entry in ./modalities.ts.
 */

export interface UploadedFile {
  /** The upload, already on disk (streamed there, never held in memory). */
  path: string;
  /** The client's file name. */
  filename: string;
  bytes: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

export interface DatasetFields {
  name?: string;
  /** CSV only; default `label`. */
  labelColumn?: string;
  /** CSV only; inferred from the label values when not given. Image datasets are classification. */
  task?: Task;
}

/** The manifest fields every dataset has, whatever its modality. */
export interface ManifestCommon {
  id: string;
  name: string;
  createdAt: string;
  contentHash: string;
  source: { filename: string; bytes: number };
}

/** An ExampleSource that also names its examples (for tests, logs and evaluation reports). */
export interface DatasetExampleSource extends ExampleSource {
  /** One key per example in order: the example id (images) or `row-<n>` (tabular, 1-based). */
  readonly keys: readonly string[];
}

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

export interface Modality {
  readonly kind: DataKind;
  /** The sniffed upload kind this modality ingests. */
  readonly upload: UploadKind;
  /** Builds the dataset in `dir` (a staging folder) and returns its manifest, already written. */
  ingest(
    upload: UploadedFile,
    dir: string,
    ctx: { common: ManifestCommon; fields: DatasetFields; limits: ArchiveLimits },
  ): Promise<DatasetManifest>;
  openTrainingData(
    store: Store,
    manifest: DatasetManifest,
    opts: OpenTrainingDataOptions,
  ): Promise<OpenedTrainingData>;
}
