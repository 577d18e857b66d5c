import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { TaskPool } from '../concurrency.js';
import {
  classWarnings,
  duplicateWarning,
  MAX_LISTED,
  sizeStats,
  skippedWarning,
  splitWarnings,
} from '../dataset-warnings.js';
import { inspectImage } from './image-inspect.js';
import { hasImageExtension, isDebris, planLayout, type PlannedImage } from './image-layout.js';
import { normaliseName, parseLabelsCsv } from '../labels-csv.js';
import {
  EXAMPLES_DIR,
  IMAGE_EXTENSIONS,
  SPLITS,
  type ClassSummary,
  type DatasetWarning,
  type ImageDatasetManifest,
  type ImageExampleRecord,
  type ImageFormat,
  type SkippedFile,
  type SplitName,
} from '../dataset-manifest.js';
import { EntryReadError, ZipArchive, type ArchiveEntry, type ArchiveLimits } from '../../lib/zip-archive.js';
import { canonicalClasses } from '../class-names.js';

/**
 * Turns an uploaded zip of images into `examples/<exampleId>.<ext>` (the original bytes) plus
 * an index, inside a staging folder. Every image is decoded once here, so training never meets
 * an unreadable file; unreadable ones are skipped and reported.
 */

export interface ImageIngestResult {
  manifest: Pick<
    ImageDatasetManifest,
    | 'kind'
    | 'task'
    | 'layout'
    | 'classes'
    | 'examples'
    | 'split'
    | 'exampleShape'
    | 'formats'
    | 'warnings'
    | 'skipped'
  >;
  index: ImageExampleRecord[];
}

/** The decode check (image-inspect.ts), also imported from here (version additions). */
export { inspectImage, type ImageInfo } from './image-inspect.js';

/** Decodes in flight at once while the next entries are extracted. */
const DECODE_CONCURRENCY = 4;

interface Planned extends PlannedImage {
  entry: ArchiveEntry;
}

export async function ingestImageZip(
  zipFile: string,
  dir: string,
  limits: ArchiveLimits,
): Promise<ImageIngestResult> {
  const archive = await ZipArchive.open(zipFile, limits);
  try {
    const { planned, skipped, layout } = await planImages(archive);
    const records = await extractImages(archive, planned, path.join(dir, EXAMPLES_DIR), skipped);
    // Decodes finish in any order; reports should not.
    skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    if (records.length === 0) {
      throw new ValidationError(
        `none of the ${planned.length} image file(s) could be read${reasons(skipped)}`,
        {
          errors: skipped.slice(0, MAX_LISTED).map((s) => ({ path: `file:${s.path}`, message: s.reason })),
        },
      );
    }
    assertTwoClasses(
      records.map((r) => r.className),
      'readable images',
    );
    return summarise(records, skipped, layout);
  } finally {
    archive.close();
  }
}

/** An image stored from the archive, with its class name until the classes are numbered. */
type FoundImage = ImageExampleRecord & { className: string };

/** The archive's images with their canonical labels and splits; refuses an archive without two classes of them. */
async function planImages(
  archive: ZipArchive,
): Promise<{ planned: Planned[]; skipped: SkippedFile[]; layout: 'folders' | 'labels-csv' }> {
  const files = archive.entries.filter((e) => !isDebris(e.path));
  if (files.length === 0) {
    throw new ValidationError('the archive holds no files (only folders or system files)', {
      errors: [{ path: 'file', message: 'no files in the archive' }],
    });
  }
  const planned = await plan(archive, files);
  if (planned.planned.length === 0) {
    throw new ValidationError(`the archive holds no images${reasons(planned.skipped)}`, {
      errors: [{ path: 'file', message: 'no image files found' }],
    });
  }
  const canonical = canonicalClasses(planned.planned.map((p) => p.label));
  for (const p of planned.planned) p.label = canonical.get(p.label) as string;
  assertTwoClasses(
    planned.planned.map((p) => p.label),
    'images',
  );
  return planned;
}

/**
 * Extracts each planned image into `examplesDir` and decodes it (DECODE_CONCURRENCY at once):
 * a readable one is renamed to its id and format, an unreadable one is deleted and added to `skipped`.
 */
async function extractImages(
  archive: ZipArchive,
  planned: Planned[],
  examplesDir: string,
  skipped: SkippedFile[],
): Promise<FoundImage[]> {
  await mkdir(examplesDir);
  const records: FoundImage[] = [];
  const pool = new TaskPool(DECODE_CONCURRENCY);
  try {
    for (const p of planned) {
      const id = newId('example');
      const tmp = path.join(examplesDir, id);
      let extracted: { bytes: number; sha256: string };
      try {
        extracted = await archive.extract(p.entry, tmp);
      } catch (err) {
        if (!(err instanceof EntryReadError)) throw err;
        skipped.push({ path: p.path, reason: `unreadable archive entry: ${err.message}` });
        continue;
      }
      await pool.submit(async () => {
        const info = await inspectImage(tmp);
        if ('error' in info) {
          await unlink(tmp);
          skipped.push({ path: p.path, reason: info.error });
          return;
        }
        const file = `${id}.${IMAGE_EXTENSIONS[info.format]}`;
        await rename(tmp, path.join(examplesDir, file));
        records.push({
          id,
          path: p.path,
          file,
          label: -1,
          className: p.label,
          split: p.split,
          bytes: extracted.bytes,
          width: info.width,
          height: info.height,
          channels: info.channels,
          format: info.format,
          sha256: extracted.sha256,
        });
      });
    }
  } finally {
    await pool.drain();
  }
  return records;
}

async function plan(
  archive: ZipArchive,
  files: ArchiveEntry[],
): Promise<{ planned: Planned[]; skipped: SkippedFile[]; layout: 'folders' | 'labels-csv' }> {
  const byPath = new Map(files.map((e) => [e.path, e]));
  const layout = planLayout(files.map((e) => e.path));
  if (layout.layout === 'folders') {
    return {
      layout: 'folders',
      skipped: layout.skipped,
      planned: layout.images.map((img) => ({ ...img, entry: byPath.get(img.path) as ArchiveEntry })),
    };
  }

  const labelsEntry = byPath.get(layout.labelsPath) as ArchiveEntry;
  const rows = await parseLabelsCsv(await archive.stream(labelsEntry), layout.labelsPath);
  const skipped = [...layout.skipped];
  const planned: Planned[] = [];
  const seen = new Set<string>();
  for (const e of files) {
    if (e.path === layout.labelsPath || !e.path.startsWith(layout.root)) continue;
    const name = normaliseName(e.path.slice(layout.root.length));
    const row = rows.get(name);
    if (!row) {
      skipped.push({ path: e.path, reason: 'not listed in labels.csv' });
    } else if (!hasImageExtension(e.path)) {
      skipped.push({ path: e.path, reason: 'not an image file (extension)' });
      seen.add(name);
    } else {
      planned.push({ path: e.path, label: row.label, split: row.split, entry: e });
      seen.add(name);
    }
  }
  for (const [name, row] of rows) {
    if (!seen.has(name))
      skipped.push({
        path: layout.root + name,
        reason: `listed in labels.csv (line ${row.line}) but not in the archive`,
      });
  }
  return { planned, skipped, layout: 'labels-csv' };
}

function assertTwoClasses(labels: string[], what: string): void {
  const classes = new Set(labels);
  if (classes.size < 2) {
    const only = [...classes][0] ?? '';
    throw new ValidationError(
      `only one class ('${only}') has ${what}; a classification dataset needs at least two classes`,
      { errors: [{ path: 'file', message: `one class only: '${only}'` }] },
    );
  }
}

/** The stored images' index (classes numbered in sorted order) and the manifest fields that describe them. */
function summarise(
  found: FoundImage[],
  skipped: SkippedFile[],
  layout: 'folders' | 'labels-csv',
): ImageIngestResult {
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id < b.id ? -1 : 1));
  const names = [...new Set(found.map((r) => r.className))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const classes: ClassSummary[] = names.map((name) => ({
    name,
    count: 0,
    splits: { train: 0, validation: 0, test: 0 },
  }));
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const formats: Partial<Record<ImageFormat, number>> = {};
  const index: ImageExampleRecord[] = found.map(({ className, ...r }) => {
    const label = indexOf.get(className) as number;
    const c = classes[label] as ClassSummary;
    c.count++;
    c.splits[r.split]++;
    counts[r.split]++;
    formats[r.format] = (formats[r.format] ?? 0) + 1;
    return { ...r, label };
  });
  const provided = SPLITS.some((s) => s !== 'train' && counts[s] > 0);

  const warnings: DatasetWarning[] = [...classWarnings(classes)];
  if (provided) warnings.push(...splitWarnings(classes, counts));
  const dup = duplicateWarning(found.map((r) => ({ path: r.path, sha256: r.sha256, label: r.className })));
  if (dup) warnings.push(dup);
  const skip = skippedWarning(skipped);
  if (skip) warnings.push(skip);

  return {
    index,
    manifest: {
      kind: 'image',
      task: 'classification',
      layout,
      classes,
      examples: index.length,
      split: { provided, counts },
      exampleShape: {
        width: sizeStats(index.map((r) => r.width)),
        height: sizeStats(index.map((r) => r.height)),
        channels: sizeStats(index.map((r) => r.channels)),
      },
      formats,
      warnings,
      skipped: { count: skipped.length, files: skipped.slice(0, MAX_LISTED * 4) },
    },
  };
}

function reasons(skipped: SkippedFile[]): string {
  if (skipped.length === 0) return '';
  const shown = skipped.slice(0, 5).map((s) => `${s.path} (${s.reason})`);
  return `: ${shown.join('; ')}${skipped.length > 5 ? `; and ${skipped.length - 5} more skipped` : ''}`;
}
