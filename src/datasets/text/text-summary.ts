import { useLiteDir } from '../../base-models/use-lite.js';
import { ValidationError } from '../../lib/errors.js';
import { words } from '../../lib/word-tokens.js';
import { countTokens, tokenizerFor, USE_LITE_MAX_TOKENS } from '../../ml/index.js';
import { canonicalClasses } from '../class-names.js';
import type {
  ClassSummary,
  DatasetWarning,
  SkippedFile,
  SplitName,
  TextDatasetManifest,
  TextIndex,
} from '../dataset-manifest.js';
import { classWarnings, MAX_LISTED, sizeStats, skippedWarning, splitWarnings } from '../dataset-warnings.js';

/**
 * What a text upload's rows (read by src/datasets/text/text-ingest.ts) come to: the classes
 * and their counts, the length statistics, the warnings (long, duplicate and empty texts), and
 * the index of every text that the dataset stores.
 */

export interface TextIngestOptions {
  textColumn: string;
  labelColumn: string;
}

export type TextIngestResult = Pick<
  TextDatasetManifest,
  | 'kind'
  | 'task'
  | 'format'
  | 'textColumn'
  | 'labelColumn'
  | 'classes'
  | 'examples'
  | 'split'
  | 'exampleShape'
  | 'warnings'
  | 'skipped'
>;

/** One text as read, before its class is numbered. */
export interface Row {
  text: string;
  label: string;
  /** `line 3` or the file's path in the archive. */
  ref: string;
  split: SplitName;
}

/** Numbers the classes, counts and measures the texts and warns about them: the manifest's fields and the index. */
export async function summarise(
  rows: Row[],
  skipped: SkippedFile[],
  format: TextDatasetManifest['format'],
  opts: TextIngestOptions,
): Promise<{ result: TextIngestResult; index: TextIndex }> {
  const { classOf, classes, counts } = countClasses(rows);
  const provided = counts.validation > 0 || counts.test > 0;

  const tokenizer = await tokenizerFor(useLiteDir());
  const tokens = rows.map((r) => countTokens(tokenizer, r.text));
  const warnings: DatasetWarning[] = [...classWarnings(classes)];
  if (provided) warnings.push(...splitWarnings(classes, counts));
  warnings.push(...textWarnings(rows, tokens, skipped));

  const result: TextIngestResult = {
    kind: 'text',
    task: 'classification',
    format,
    textColumn: format === 'folders' ? null : opts.textColumn,
    labelColumn: format === 'folders' ? null : opts.labelColumn,
    classes,
    examples: rows.length,
    split: { provided, counts },
    exampleShape: {
      characters: sizeStats(rows.map((r) => r.text.length)),
      words: sizeStats(rows.map((r) => words(r.text).length)),
      tokens: sizeStats(tokens),
    },
    warnings,
    skipped: { count: skipped.length, files: skipped.slice(0, MAX_LISTED) },
  };
  const index: TextIndex = {
    texts: rows.map((r) => r.text),
    labels: rows.map((r) => classOf.get(r.label) as number),
    refs: rows.map((r) => r.ref),
    splits: rows.map((r) => r.split),
  };
  return { result, index };
}

/**
 * Gives each row its canonical class name, numbers the classes in sorted order and counts them
 * per split; refuses fewer than two classes.
 */
function countClasses(rows: Row[]): {
  classOf: Map<string, number>;
  classes: ClassSummary[];
  counts: Record<SplitName, number>;
} {
  const canonical = canonicalClasses(rows.map((r) => r.label));
  for (const r of rows) r.label = canonical.get(r.label) as string;
  const names = [...new Set(rows.map((r) => r.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length < 2) {
    throw new ValidationError(`only one class ('${names[0] ?? ''}'); classification needs at least two`, {
      errors: [{ path: 'file', message: `one class only: '${names[0] ?? ''}'` }],
    });
  }
  const classOf = new Map(names.map((n, i) => [n, i]));
  const classes: ClassSummary[] = names.map((name) => ({
    name,
    count: 0,
    splits: { train: 0, validation: 0, test: 0 },
  }));
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const r of rows) {
    const c = classes[classOf.get(r.label) as number] as ClassSummary;
    c.count++;
    c.splits[r.split]++;
    counts[r.split]++;
  }
  return { classOf, classes, counts };
}

/** Warnings about the texts: longer than the encoder reads, duplicated, empty, or otherwise skipped. */
function textWarnings(rows: Row[], tokens: number[], skipped: SkippedFile[]): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  const long = rows.filter((_, i) => (tokens[i] as number) > USE_LITE_MAX_TOKENS);
  if (long.length > 0) {
    warnings.push({
      code: 'truncated-texts',
      message:
        `${long.length} text(s) are longer than the ${USE_LITE_MAX_TOKENS} tokens universal-sentence-encoder-lite reads; ` +
        'the encoder reads their beginning only',
      items: long.slice(0, MAX_LISTED).map((r) => r.ref),
    });
  }
  const dup = duplicates(rows);
  if (dup) warnings.push(dup);
  const empty = skipped.filter((s) => s.reason === 'empty text');
  if (empty.length > 0) {
    warnings.push({
      code: 'empty-texts',
      message: `${empty.length} empty text(s) left out`,
      items: empty.slice(0, MAX_LISTED).map((s) => s.path),
    });
  }
  const other = skipped.filter((s) => s.reason !== 'empty text');
  const skippedW = skippedWarning(other);
  if (skippedW) warnings.push(skippedW);
  return warnings;
}

/** A warning naming the groups of texts that are the same (after trimming and NFKC), if any. */
function duplicates(rows: Row[]): DatasetWarning | undefined {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = r.text.trim().normalize('NFKC');
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const dups = [...groups.values()].filter((g) => g.length > 1);
  if (dups.length === 0) return undefined;
  const conflicting = dups.filter((g) => new Set(g.map((r) => r.label)).size > 1).length;
  const extra = dups.reduce((n, g) => n + g.length - 1, 0);
  return {
    code: 'duplicates',
    message:
      `${extra} text(s) repeat others (${dups.length} group(s)` +
      (conflicting > 0 ? `, ${conflicting} of them under different labels` : '') +
      '); duplicates inflate validation scores',
    items: dups.slice(0, MAX_LISTED).map((g) => g.map((r) => r.ref).join(' = ')),
  };
}
