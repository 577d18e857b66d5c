import { ValidationError } from '../../lib/errors.js';
import type { SkippedFile, SplitName } from '../dataset-manifest.js';

/**
 * Works out what an archive's paths mean, from the paths alone (nothing is read yet):
 *
 * - folder per class, as Keras `image_dataset_from_directory` and torchvision `ImageFolder`
 *   expect: `<class>/<image>` (deeper folders belong to their top class folder, as both do);
 * - the same under `train/`, `val/` (`validation/`, `valid/`) and `test/` split folders;
 * - either of them inside one enclosing top folder (as "Compress folder" produces);
 * - or images anywhere plus a `labels.csv` mapping file names to labels.
 *
 * OS debris (`__MACOSX/`, `.DS_Store`, hidden files, Thumbs.db) is ignored silently; other
 * files that can't be examples are reported as skipped, with the reason.
 */

export const IMAGE_FILE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff'];

const SPLIT_FOLDERS: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  val: 'validation',
  valid: 'validation',
  validation: 'validation',
  test: 'test',
};

const DEBRIS = new Set(['__macosx', 'thumbs.db', 'desktop.ini']);

export interface PlannedImage {
  /** Path in the archive. */
  path: string;
  label: string;
  split: SplitName;
}

export interface FolderPlan {
  layout: 'folders';
  images: PlannedImage[];
  skipped: SkippedFile[];
}

export interface LabelsCsvPlan {
  layout: 'labels-csv';
  /** Archive path of labels.csv. */
  labelsPath: string;
  /** Folder labels.csv sits in (`''` or `top/`); its file names are relative to it. */
  root: string;
  skipped: SkippedFile[];
}

export type LayoutPlan = FolderPlan | LabelsCsvPlan;

export function isDebris(path: string): boolean {
  return path.split('/').some((s) => s.startsWith('.') || DEBRIS.has(s.toLowerCase()));
}

export function hasImageExtension(path: string): boolean {
  const lower = path.toLowerCase();
  return IMAGE_FILE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function splitFolder(name: string): SplitName | undefined {
  return SPLIT_FOLDERS[name.toLowerCase()];
}

/** `paths`: the archive's file paths (normalised, debris already removed). */
export function planLayout(paths: string[]): LayoutPlan {
  const labels = findLabelsCsv(paths);
  if (labels) {
    const skipped = paths
      .filter((p) => p !== labels.labelsPath && !p.startsWith(labels.root))
      .map((p) => ({ path: p, reason: 'outside the folder that holds labels.csv' }));
    return { layout: 'labels-csv', ...labels, skipped };
  }
  return planFolders(paths);
}

function findLabelsCsv(paths: string[]): { labelsPath: string; root: string } | undefined {
  const atRoot = paths.find((p) => p.toLowerCase() === 'labels.csv');
  if (atRoot) return { labelsPath: atRoot, root: '' };
  const top = commonTop(paths);
  if (top === undefined) return undefined;
  const inTop = paths.find((p) => p.toLowerCase() === `${top.toLowerCase()}/labels.csv`);
  return inTop ? { labelsPath: inTop, root: `${top}/` } : undefined;
}

/** The one folder every path is inside, if there is exactly one. */
function commonTop(paths: string[]): string | undefined {
  let top: string | undefined;
  for (const p of paths) {
    const i = p.indexOf('/');
    if (i < 0) return undefined;
    const first = p.slice(0, i);
    if (top === undefined) top = first;
    else if (top !== first) return undefined;
  }
  return top;
}

function planFolders(paths: string[]): FolderPlan {
  let prefix = '';
  const top = commonTop(paths);
  // Strip an enclosing folder unless it is itself a split folder, and only when something is
  // still foldered below it (otherwise the single folder is the only class, reported as such).
  if (top !== undefined && !splitFolder(top)) {
    const below = paths.map((p) => p.slice(top.length + 1));
    if (below.some((p) => p.includes('/'))) prefix = `${top}/`;
  }
  const rel = paths.map((p) => ({ path: p, parts: p.slice(prefix.length).split('/') }));

  const topFolders = new Set(rel.filter((r) => r.parts.length >= 2).map((r) => r.parts[0] as string));
  const splitLayout = topFolders.size > 0 && [...topFolders].every((f) => splitFolder(f) !== undefined);
  if (splitLayout && ![...topFolders].some((f) => splitFolder(f) === 'train')) {
    throw new ValidationError(
      `the archive has split folders (${[...topFolders].join(', ')}) but no train/ folder`,
      { errors: [{ path: 'file', message: 'split folders need a train/ folder' }] },
    );
  }

  const images: PlannedImage[] = [];
  const skipped: SkippedFile[] = [];
  const depth = splitLayout ? 3 : 2;
  for (const { path, parts } of rel) {
    if (parts.length < depth) {
      skipped.push({ path, reason: 'not inside a class folder' });
    } else if (!hasImageExtension(path)) {
      skipped.push({ path, reason: 'not an image file (extension)' });
    } else if (splitLayout) {
      images.push({ path, split: splitFolder(parts[0] as string) as SplitName, label: parts[1] as string });
    } else {
      images.push({ path, split: 'train', label: parts[0] as string });
    }
  }
  return { layout: 'folders', images, skipped };
}
