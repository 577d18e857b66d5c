import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import {
  EXAMPLES_DIR,
  FEATURES_FILE,
  INDEX_FILE,
  TARGETS_FILE,
  TEXTS_FILE,
  readImageIndex,
  type DatasetManifest,
  type ImageDatasetManifest,
  type ImageIndex,
  type SplitName,
  type TabularDatasetManifest,
  type TextDatasetManifest,
  type TextIndex,
} from './dataset-manifest.js';
import { sizeStats } from './dataset-warnings.js';
import type { PreparedAddition } from './version-additions.js';

/**
 * The stored files of a dataset version (src/datasets/versions.ts), one writer per modality:
 * a copy of every example the version keeps, with its new label, then the examples it adds.
 * Each writer returns the version's manifest; the caller writes it.
 */

/** A parent example the version keeps: its place in the parent's stored order and its label. */
export interface KeptExample {
  at: number;
  label: string;
}

/** The manifest fields a version sets whatever its modality (the others are its parent's). */
export type VersionFields = Pick<
  DatasetManifest,
  | 'id'
  | 'name'
  | 'createdAt'
  | 'contentHash'
  | 'classes'
  | 'examples'
  | 'split'
  | 'warnings'
  | 'skipped'
  | 'parent'
>;

/** What a version's files are written from. */
export interface VersionContents {
  store: Store;
  parent: DatasetManifest;
  /** The version's folder, being created. */
  dir: string;
  kept: KeptExample[];
  added: PreparedAddition[];
  /** Class name to its index in the version's classes. */
  classIndex: Map<string, number>;
  common: VersionFields;
}

/** Writes the version's example files for the parent's modality; returns its manifest. */
export async function writeVersionFiles(v: VersionContents): Promise<DatasetManifest> {
  const { parent } = v;
  if (parent.kind === 'image') return writeImageVersion(v, parent);
  if (parent.kind === 'text') return writeTextVersion(v, parent);
  return writeTabularVersion(v, parent);
}

/** Copies the kept images, writes the added ones and the index; the image sizes are the version's own. */
async function writeImageVersion(v: VersionContents, parent: ImageDatasetManifest): Promise<DatasetManifest> {
  const { store, dir, kept, added, classIndex } = v;
  const { examples: records } = await readImageIndex(store, parent.id);
  const src = await store.collection('datasets').local(parent.id, EXAMPLES_DIR);
  await mkdir(path.join(dir, EXAMPLES_DIR));
  const index: ImageIndex = { examples: [] };
  for (const k of kept) {
    const r = records[k.at]!;
    await copyFile(path.join(src, r.file), path.join(dir, EXAMPLES_DIR, r.file));
    index.examples.push({ ...r, label: classIndex.get(k.label) as number });
  }
  for (const a of added) {
    if (a.kind !== 'image') continue;
    await writeFile(path.join(dir, EXAMPLES_DIR, a.record.file), a.example.data);
    index.examples.push({ ...a.record, label: classIndex.get(a.example.label) as number });
  }
  await writeFile(path.join(dir, INDEX_FILE), JSON.stringify(index));
  const formats: Record<string, number> = {};
  for (const r of index.examples) formats[r.format] = (formats[r.format] ?? 0) + 1;
  return {
    ...parent,
    ...v.common,
    exampleShape: {
      width: sizeStats(index.examples.map((r) => r.width)),
      height: sizeStats(index.examples.map((r) => r.height)),
      channels: sizeStats(index.examples.map((r) => r.channels)),
    },
    formats,
  };
}

/** Writes the kept texts, then the added ones (in the train split), as the version's text index. */
async function writeTextVersion(v: VersionContents, parent: TextDatasetManifest): Promise<DatasetManifest> {
  const { store, dir, kept, added, classIndex } = v;
  const index = await store.collection('datasets').readJson<TextIndex>(parent.id, TEXTS_FILE);
  const out: TextIndex = { texts: [], labels: [], refs: [], splits: [] };
  for (const k of kept) {
    out.texts.push(index.texts[k.at] as string);
    out.labels.push(classIndex.get(k.label) as number);
    out.refs.push(index.refs[k.at] as string);
    out.splits.push(index.splits[k.at] as SplitName);
  }
  for (const a of added) {
    if (a.kind !== 'text') continue;
    out.texts.push(a.text);
    out.labels.push(classIndex.get(a.example.label) as number);
    out.refs.push(a.example.id);
    out.splits.push('train');
  }
  await writeFile(path.join(dir, TEXTS_FILE), JSON.stringify(out));
  // The length statistics stay the parent's (added texts longer than its longest are cut).
  return { ...parent, ...v.common };
}

/** Writes the kept rows, then the added ones, as features and targets; regression gets its target range. */
async function writeTabularVersion(
  v: VersionContents,
  parent: TabularDatasetManifest,
): Promise<DatasetManifest> {
  const { store, dir, kept, added, classIndex } = v;
  const from = (file: string) => store.collection('datasets').local(parent.id, file);
  const width = parent.features.length;
  const x = floats(await readFile(await from(FEATURES_FILE)));
  const y = floats(await readFile(await from(TARGETS_FILE)));
  const rows = added.flatMap((a) => (a.kind === 'tabular' ? [a] : []));
  const nx = new Float32Array((kept.length + rows.length) * width);
  const ny = new Float32Array(kept.length + rows.length);
  kept.forEach((k, i) => {
    nx.set(x.subarray(k.at * width, (k.at + 1) * width), i * width);
    ny[i] = parent.task === 'classification' ? (classIndex.get(k.label) as number) : (y[k.at] as number);
  });
  rows.forEach((a, j) => {
    const i = kept.length + j;
    nx.set(a.row, i * width);
    ny[i] =
      parent.task === 'classification'
        ? (classIndex.get(a.example.label) as number)
        : Number(a.example.label);
  });
  await writeFile(path.join(dir, FEATURES_FILE), Buffer.from(nx.buffer));
  await writeFile(path.join(dir, TARGETS_FILE), Buffer.from(ny.buffer));
  const manifest: TabularDatasetManifest = { ...parent, ...v.common };
  if (parent.task === 'regression' && ny.length > 0) {
    const t = Array.from(ny);
    manifest.target = {
      min: Math.min(...t),
      max: Math.max(...t),
      mean: t.reduce((s, v) => s + v, 0) / t.length,
    };
  }
  return manifest;
}

/** The float32 values of a stored features or targets file. */
export function floats(raw: Buffer): Float32Array {
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}
