import type { DatasetParent } from '../contracts/audit.js';
import type { Task } from '../contracts/task.js';
import { assertSafeId } from '../lib/ids.js';
import type { Store } from '../storage/store.js';

/**
 * The stored description of a dataset, `datasets/<id>/manifest.json`, and the files beside it:
 *
 *   manifest.json        this description (small: it is read for every listing)
 *   index.json           image datasets: one record per example (ImageExampleRecord[])
 *   examples/<exId>.<ext> image datasets: the original image bytes, untouched
 *   features.f32         tabular datasets: rows x features, float32 little-endian, row-major
 *   targets.f32          tabular datasets: one float32 per row (class index or regression target)
 *   texts.json           text datasets: the texts, their class indices, sources and splits (TextIndex)
 *
 * Datasets are immutable once stored, so readers may cache them.
 */

export const MANIFEST_FILE = 'manifest.json';
export const INDEX_FILE = 'index.json';
export const EXAMPLES_DIR = 'examples';
export const FEATURES_FILE = 'features.f32';
export const TARGETS_FILE = 'targets.f32';
export const TEXTS_FILE = 'texts.json';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

export const IMAGE_CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

export const IMAGE_EXTENSIONS: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tiff',
};

export interface SizeStats {
  min: number;
  median: number;
  max: number;
}

export interface ClassSummary {
  name: string;
  count: number;
  /** Examples of this class in each split. */
  splits: Record<SplitName, number>;
}

export type WarningCode =
  | 'few-examples'
  | 'imbalance'
  | 'duplicates'
  | 'skipped-files'
  | 'split-missing-classes'
  | 'constant-features'
  | 'empty-texts'
  | 'truncated-texts';

export interface DatasetWarning {
  code: WarningCode;
  message: string;
  /** What the warning is about (class names, file paths, columns); capped in length. */
  items?: string[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

interface ManifestCommon {
  id: string;
  name: string;
  createdAt: string;
  /** `sha256:<hex>` of the uploaded file's bytes. */
  contentHash: string;
  source: { filename: string; bytes: number };
  task: Task;
  /** Classification: class names in index order (sorted) with counts. Regression: empty. */
  classes: ClassSummary[];
  /** Stored examples (images or rows). */
  examples: number;
  /**
   * `provided`: the upload came with its own split folders (train/val/test), which training keeps.
   * Otherwise every example is `train` and training draws validation from a seed.
   */
  split: { provided: boolean; counts: Record<SplitName, number> };
  warnings: DatasetWarning[];
  /** Files or rows left out, and why (the list is capped; `count` is the full number). */
  skipped: { count: number; files: SkippedFile[] };
  /**
   * A version (POST /v1/datasets/{id}/versions): the dataset it was made from and the changes.
   * A version holds its own copy of every example, so it outlives its parent.
   */
  parent?: DatasetParent;
}

export interface ImageDatasetManifest extends ManifestCommon {
  kind: 'image';
  task: 'classification';
  layout: 'folders' | 'labels-csv';
  /** Sizes of the stored images as uploaded (before any training resize). */
  exampleShape: { width: SizeStats; height: SizeStats; channels: SizeStats };
  /** Images per format. */
  formats: Partial<Record<ImageFormat, number>>;
}

export interface TabularDatasetManifest extends ManifestCommon {
  kind: 'tabular';
  labelColumn: string;
  /** Feature column names, in the stored (and model input) order. */
  features: string[];
  exampleShape: { features: number };
  /** Regression only: the range of the target. */
  target?: { min: number; max: number; mean: number };
}

export interface TextDatasetManifest extends ManifestCommon {
  kind: 'text';
  task: 'classification';
  /** What was uploaded: a CSV, JSONL, or a zip of class folders of .txt files. */
  format: 'csv' | 'jsonl' | 'folders';
  /** CSV and JSONL: the column (key) the texts and labels came from. */
  textColumn: string | null;
  labelColumn: string | null;
  /**
   * Lengths of the texts: characters, words, and SentencePiece tokens of the USE lite vocabulary
   * (counted up to 129: more than the 128 the encoder reads).
   */
  exampleShape: { characters: SizeStats; words: SizeStats; tokens: SizeStats };
}

export type DatasetManifest = ImageDatasetManifest | TabularDatasetManifest | TextDatasetManifest;

/** `texts.json` of a text dataset: one entry per example in every array. */
export interface TextIndex {
  texts: string[];
  /** Class index into manifest.classes. */
  labels: number[];
  /** Where each text came from: `line <n>` of the upload, or the file's path in the archive. */
  refs: string[];
  splits: SplitName[];
}

/** One stored image, in `index.json`. */
export interface ImageExampleRecord {
  id: string;
  /** Path inside the uploaded archive (what the user calls the file). */
  path: string;
  /** Stored file name under `examples/`. */
  file: string;
  /** Class index into manifest.classes. */
  label: number;
  split: SplitName;
  bytes: number;
  width: number;
  height: number;
  channels: number;
  format: ImageFormat;
  sha256: string;
}

export interface ImageIndex {
  examples: ImageExampleRecord[];
}

/** The manifest of a stored dataset; NotFoundError when there is none, ValidationError for a bad id. */
export async function readManifest(store: Store, id: string): Promise<DatasetManifest> {
  assertSafeId(id, 'datasetId');
  return store.collection('datasets').readJson<DatasetManifest>(id, MANIFEST_FILE);
}

export async function readImageIndex(store: Store, id: string): Promise<ImageIndex> {
  assertSafeId(id, 'datasetId');
  return store.collection('datasets').readJson<ImageIndex>(id, INDEX_FILE);
}
