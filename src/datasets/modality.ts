import type { DataKind } from '../contracts/task.js';
import type { ImagePreprocessing, Preprocessing, SentenceEncoderRef } from '../contracts/preprocessing.js';
import type { Task } from '../contracts/task.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';
import type { ExampleSource, TrainingData } from '../ml/index.js';
import type { Store } from '../storage/store.js';
import type { DatasetManifest } from './dataset-manifest.js';
import type { UploadKind, UploadProbe } from './upload-sniff.js';

export type { UploadProbe };

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
  /** CSV and JSONL; default `label`. */
  labelColumn?: string;
  /** Text CSV and JSONL; default `text`. Naming it makes a CSV a text dataset. */
  textColumn?: string;
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
  subset(indices: readonly number[]): DatasetExampleSource;
  fitPreprocessing?(indices: readonly number[]): Promise<DatasetExampleSource>;
}

export interface OpenTrainingDataOptions {
  /** Required for image datasets: input size, channels, scaling and resize mode. */
  image?: ImagePreprocessing;
  /** Fraction of examples held out for validation when the dataset has no split of its own, in [0, 1). */
  validationSplit: number;
  seed: number;
  /**
   * Every example trains, the dataset's own split folders included (cross-validation holds out
   * folds of them instead); `validationSplit` is then ignored.
   */
  allExamples?: boolean;
  /** Image decodes in flight per batch (default 4). */
  concurrency?: number;
  /** Required for text datasets: through a sentence encoder, or as word ids (from scratch). */
  text?: TextInputOptions;
  /** Progress of work done once before training (encoding texts): examples done of total. */
  onPrepare?: (done: number, total: number) => void;
}

export type TextInputOptions =
  | { tokenizer: 'sentence-encoder'; encoderDir: string; encoder: SentenceEncoderRef }
  | { tokenizer: 'words'; maxVocabulary: number; maxLength: number };

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
  /** Files the trained model needs beside it (name -> content), e.g. a learned vocabulary. */
  files?: Record<string, string>;
}

export interface Modality {
  readonly kind: DataKind;
  /** The sniffed upload kinds this modality may ingest. */
  readonly uploads: readonly UploadKind[];
  /**
   * Whether this upload is one of this modality's (several take CSVs or zips); asked in the
   * order of ./modalities.ts, the first that accepts ingests it.
   */
  accepts(probe: UploadProbe, fields: DatasetFields): boolean;
  /** Builds the dataset in `dir` (a staging folder) and returns its manifest, already written. */
  ingest(
    upload: UploadedFile,
    dir: string,
    ctx: { common: ManifestCommon; fields: DatasetFields; limits: ArchiveLimits; probe: UploadProbe },
  ): Promise<DatasetManifest>;
  openTrainingData(
    store: Store,
    manifest: DatasetManifest,
    opts: OpenTrainingDataOptions,
  ): Promise<OpenedTrainingData>;
}
