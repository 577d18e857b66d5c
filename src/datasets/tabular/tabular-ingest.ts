import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import type { Task } from '../../contracts/task.js';
import { classWarnings, MAX_LISTED } from '../dataset-warnings.js';
import { csvError, csvRecords } from '../labels-csv.js';
import { RunningStats } from './running-stats.js';
import {
  FEATURES_FILE,
  TARGETS_FILE,
  type ClassSummary,
  type DatasetWarning,
  type TabularDatasetManifest,
} from '../dataset-manifest.js';
import { canonicalClasses } from '../class-names.js';

/**
 * A CSV of numeric feature columns plus one label column becomes `features.f32` (rows x
 * features, float32 little-endian) and `targets.f32` (class index or target per row). Rows
 * stream through: only the labels are held in memory, never the matrix.
 *
 * Rows with missing or non-numeric features refuse the whole upload (training on silently
 * dropped rows surprises people); the error names the lines.
 */

export interface TabularIngestOptions {
  labelColumn: string;
  task?: Task;
}

export type TabularIngestResult = Pick<
  TabularDatasetManifest,
  | 'kind'
  | 'task'
  | 'labelColumn'
  | 'features'
  | 'classes'
  | 'examples'
  | 'split'
  | 'exampleShape'
  | 'target'
  | 'warnings'
  | 'skipped'
>;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_LISTED_ERRORS = 20;
/** Integer labels with at most this many distinct values read as classes when `task` is not given. */
const MAX_INFERRED_CLASSES = 20;

export async function ingestCsv(
  csvFile: string,
  dir: string,
  opts: TabularIngestOptions,
  source = 'CSV',
): Promise<TabularIngestResult> {
  const out = await open(path.join(dir, FEATURES_FILE), 'w');
  let header: string[] | undefined;
  let labelAt = -1;
  let featureAt: number[] = [];
  let chunk = new Float32Array(0);
  let chunkRows = 0;
  let filled = 0;
  let rows = 0;
  let dataRows = 0;
  let bad = 0;
  const errors: FieldError[] = [];
  const distinct = new Map<string, number>();
  const labelIds: number[] = [];
  let stats = new RunningStats(0);

  const fail = (line: number, msg: string): void => {
    bad++;
    if (errors.length < MAX_LISTED_ERRORS) errors.push({ path: 'file', message: `line ${line}: ${msg}` });
  };

  try {
    for await (const { record, line } of csvRecords(createReadStream(csvFile))) {
      if (!header) {
        header = checkHeader(record, opts.labelColumn, source);
        labelAt = header.indexOf(opts.labelColumn);
        featureAt = header.map((_, i) => i).filter((i) => i !== labelAt);
        chunkRows = Math.max(1, Math.floor(16_384 / featureAt.length));
        chunk = new Float32Array(chunkRows * featureAt.length);
        stats = new RunningStats(featureAt.length);
        continue;
      }
      const row = ++dataRows;
      if (record.length !== header.length) {
        fail(line, `row ${row} has ${record.length} fields, the header has ${header.length}`);
        continue;
      }
      const label = record[labelAt] as string;
      const problems: string[] = [];
      if (label === '') problems.push(`missing label '${opts.labelColumn}'`);
      const base = filled * featureAt.length;
      featureAt.forEach((col, j) => {
        const cell = record[col] as string;
        if (cell === '') problems.push(`missing '${header?.[col]}'`);
        else if (!NUMBER.test(cell)) problems.push(`'${header?.[col]}' is not a number ('${clip(cell)}')`);
        else if (!Number.isFinite(Math.fround(Number(cell)))) {
          problems.push(`'${header?.[col]}' is out of float32 range ('${clip(cell)}')`);
        } else chunk[base + j] = Number(cell);
      });
      if (problems.length > 0) {
        fail(line, `row ${row}: ${problems.slice(0, 3).join(', ')}${problems.length > 3 ? ', ...' : ''}`);
        continue;
      }
      if (bad > 0) continue; // the upload is refused anyway: only keep collecting errors
      stats.push(chunk, base);
      let id = distinct.get(label);
      if (id === undefined) distinct.set(label, (id = distinct.size));
      labelIds.push(id);
      rows++;
      if (++filled === chunkRows) {
        await writeFloats(out, chunk);
        filled = 0;
      }
    }
    if (bad === 0 && filled > 0) await writeFloats(out, chunk.subarray(0, filled * featureAt.length));
  } catch (err) {
    throw csvError(err, source);
  } finally {
    await out.close();
  }

  if (!header)
    throw new ValidationError(`the ${source} is empty`, { errors: [{ path: 'file', message: 'empty' }] });
  if (bad > 0) {
    throw new ValidationError(
      `${bad} row(s) of the ${source} have missing or non-numeric values: ${errors
        .slice(0, 5)
        .map((e) => e.message)
        .join('; ')}${bad > 5 ? '; ...' : ''}`,
      { errors },
    );
  }
  if (rows === 0) {
    throw new ValidationError(`the ${source} has a header but no rows`, {
      errors: [{ path: 'file', message: 'no rows' }],
    });
  }

  const labels = [...distinct.keys()];
  const task = opts.task ?? inferTask(labels, rows);
  const features = featureAt.map((i) => header[i] as string);
  const warnings = constantFeatureWarnings(features, stats.std());

  const targets = new Float32Array(rows);
  const common = {
    kind: 'tabular' as const,
    labelColumn: opts.labelColumn,
    features,
    examples: rows,
    split: { provided: false, counts: { train: rows, validation: 0, test: 0 } },
    exampleShape: { features: features.length },
    skipped: { count: 0, files: [] },
  };

  if (task === 'regression') {
    const target = regressionTargets(labels, labelIds, targets, opts.labelColumn);
    await writeFile(path.join(dir, TARGETS_FILE), targets);
    return { ...common, task, classes: [], target, warnings };
  }
  const classes = classificationTargets(labels, labelIds, targets, opts.labelColumn);
  await writeFile(path.join(dir, TARGETS_FILE), targets);
  return { ...common, task, classes, warnings: [...classWarnings(classes), ...warnings] };
}

/** Regression: each row's label as a number into `targets`, and the target's range and mean. */
function regressionTargets(
  labels: string[],
  labelIds: number[],
  targets: Float32Array,
  labelColumn: string,
): { min: number; max: number; mean: number } {
  const rows = labelIds.length;
  const values = labels.map(Number);
  const nonNumeric = labels.filter((l) => !NUMBER.test(l));
  if (nonNumeric.length > 0) {
    throw new ValidationError(
      `task is regression but ${nonNumeric.length} label value(s) of '${labelColumn}' are not numbers: ${nonNumeric
        .slice(0, 5)
        .map((l) => `'${clip(l)}'`)
        .join(', ')}`,
      { errors: [{ path: 'body.task', message: 'regression needs a numeric label column' }] },
    );
  }
  if (rows < 2)
    throw new ValidationError('regression needs at least two rows', {
      errors: [{ path: 'file', message: 'one row' }],
    });
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  labelIds.forEach((id, r) => {
    const v = values[id] as number;
    targets[r] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
    total += v;
  });
  return { min, max, mean: total / rows };
}

/** Classification: each row's class index (classes sorted) into `targets`, and the class counts. */
function classificationTargets(
  rawLabels: string[],
  labelIds: number[],
  targets: Float32Array,
  labelColumn: string,
): ClassSummary[] {
  const canonical = canonicalClasses(rawLabels);
  const labels = rawLabels.map((l) => canonical.get(l) as string);
  if (labels.length < 2) {
    throw new ValidationError(
      `only one class ('${labels[0] ?? ''}') in column '${labelColumn}'; classification needs at least two`,
      { errors: [{ path: 'file', message: `one class only: '${labels[0] ?? ''}'` }] },
    );
  }
  const sorted = sortLabels(labels);
  const classOf = new Map(sorted.map((l, i) => [l, i]));
  const remap = labels.map((l) => classOf.get(l) as number);
  const classes: ClassSummary[] = sorted.map((name) => ({
    name,
    count: 0,
    splits: { train: 0, validation: 0, test: 0 },
  }));
  labelIds.forEach((id, r) => {
    const k = remap[id] as number;
    targets[r] = k;
    const c = classes[k] as ClassSummary;
    c.count++;
    c.splits.train++;
  });
  return classes;
}

function constantFeatureWarnings(features: string[], std: ArrayLike<number>): DatasetWarning[] {
  const constant = features.filter((_, j) => (std[j] as number) === 0);
  if (constant.length === 0) return [];
  return [
    {
      code: 'constant-features',
      message: `${constant.length} feature column(s) have the same value in every row and carry no information: ${constant.slice(0, 10).join(', ')}`,
      items: constant.slice(0, MAX_LISTED),
    },
  ];
}

function checkHeader(record: string[], labelColumn: string, source: string): string[] {
  const seen = new Set<string>();
  record.forEach((name, i) => {
    if (name === '') {
      throw new ValidationError(`column ${i + 1} of the ${source} header has no name`, {
        errors: [{ path: 'file', message: `header column ${i + 1} is empty` }],
      });
    }
    if (seen.has(name)) {
      throw new ValidationError(`column '${name}' appears twice in the ${source} header`, {
        errors: [{ path: 'file', message: `duplicate column '${name}'` }],
      });
    }
    seen.add(name);
  });
  if (!seen.has(labelColumn)) {
    throw new ValidationError(
      `label column '${labelColumn}' is not in the ${source}; its columns are: ${record.slice(0, 30).join(', ')}${record.length > 30 ? ', ...' : ''}`,
      { errors: [{ path: 'body.labelColumn', message: `no column '${labelColumn}'` }] },
    );
  }
  if (record.length < 2) {
    throw new ValidationError(`the ${source} has no feature columns besides '${labelColumn}'`, {
      errors: [{ path: 'file', message: 'no feature columns' }],
    });
  }
  return record;
}

/**
 * Text labels are classes; fractional numbers are a regression target; integers are classes
 * when there are few distinct values relative to the rows (0/1, digits, ratings), else a target.
 */
export function inferTask(labels: string[], rows: number): Task {
  if (!labels.every((l) => NUMBER.test(l))) return 'classification';
  const values = labels.map(Number);
  if (!values.every((v) => Number.isInteger(v))) return 'regression';
  return labels.length <= MAX_INFERRED_CLASSES && labels.length < rows ? 'classification' : 'regression';
}

/** Numeric labels sort by value (2 before 10), others by code point, as Keras sorts class names. */
function sortLabels(labels: string[]): string[] {
  if (labels.every((l) => NUMBER.test(l))) return [...labels].sort((a, b) => Number(a) - Number(b));
  return [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function writeFloats(fh: FileHandle, data: Float32Array): Promise<void> {
  await fh.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

async function writeFile(file: string, data: Float32Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await writeFloats(fh, data);
  } finally {
    await fh.close();
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
