import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import type { Task } from '../../contracts/task.js';
import { classWarnings, MAX_LISTED } from '../dataset-warnings.js';
import { csvError, csvRecords } from '../labels-csv.js';
import { RunningStats } from './running-stats.js';
import { classificationTargets, clip, inferTask, NUMBER, regressionTargets } from './tabular-targets.js';
import {
  FEATURES_FILE,
  TARGETS_FILE,
  type DatasetWarning,
  type TabularDatasetManifest,
} from '../dataset-manifest.js';

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

const MAX_LISTED_ERRORS = 20;

/** The task a label column implies (tabular-targets.ts), part of this module's interface. */
export { inferTask };

export async function ingestCsv(
  csvFile: string,
  dir: string,
  opts: TabularIngestOptions,
  source = 'CSV',
): Promise<TabularIngestResult> {
  const out = await open(path.join(dir, FEATURES_FILE), 'w');
  let pass: CsvPass;
  try {
    pass = await streamRows(csvFile, out, opts, source);
  } finally {
    await out.close();
  }
  const header = refuseBadRows(pass, source);
  const { rows, distinct, labelIds } = pass;

  const labels = [...distinct.keys()];
  const task = opts.task ?? inferTask(labels, rows);
  const features = pass.featureAt.map((i) => header[i] as string);
  const warnings = constantFeatureWarnings(features, pass.stats.std());

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

/** What one pass over the CSV gathers: its header, each good row's label, the feature statistics, the errors. */
interface CsvPass {
  header: string[] | undefined;
  /** Columns of the features, in header order (every column but the label). */
  featureAt: number[];
  /** Rows kept (all of them, unless some are bad). */
  rows: number;
  /** Rows refused. */
  bad: number;
  errors: FieldError[];
  /** Label value to its id, in order of first appearance. */
  distinct: Map<string, number>;
  labelIds: number[];
  stats: RunningStats;
}

/**
 * Streams the CSV's rows: the features of good rows go to `out` a chunk at a time, their labels
 * are kept; once a row is bad nothing more is written and only the errors are collected.
 */
async function streamRows(
  csvFile: string,
  out: FileHandle,
  opts: TabularIngestOptions,
  source: string,
): Promise<CsvPass> {
  const pass = emptyPass();
  let labelAt = -1;
  let chunk = new Float32Array(0);
  let chunkRows = 0;
  let filled = 0;
  let dataRows = 0;
  const fail = (line: number, msg: string): void => {
    pass.bad++;
    if (pass.errors.length < MAX_LISTED_ERRORS)
      pass.errors.push({ path: 'file', message: `line ${line}: ${msg}` });
  };
  try {
    for await (const { record, line } of csvRecords(createReadStream(csvFile))) {
      const { header, featureAt } = pass;
      if (!header) {
        pass.header = checkHeader(record, opts.labelColumn, source);
        labelAt = pass.header.indexOf(opts.labelColumn);
        pass.featureAt = pass.header.map((_, i) => i).filter((i) => i !== labelAt);
        chunkRows = Math.max(1, Math.floor(16_384 / pass.featureAt.length));
        chunk = new Float32Array(chunkRows * pass.featureAt.length);
        pass.stats = new RunningStats(pass.featureAt.length);
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
      readFeatures(record, header, featureAt, chunk, base, problems);
      if (problems.length > 0) {
        fail(line, `row ${row}: ${problems.slice(0, 3).join(', ')}${problems.length > 3 ? ', ...' : ''}`);
        continue;
      }
      if (pass.bad > 0) continue; // the upload is refused anyway: only keep collecting errors
      pass.stats.push(chunk, base);
      keepLabel(pass, label);
      if (++filled === chunkRows) {
        await writeFloats(out, chunk);
        filled = 0;
      }
    }
    if (pass.bad === 0 && filled > 0)
      await writeFloats(out, chunk.subarray(0, filled * pass.featureAt.length));
  } catch (err) {
    throw csvError(err, source);
  }
  return pass;
}

/** A pass that has read nothing yet. */
function emptyPass(): CsvPass {
  return {
    header: undefined,
    featureAt: [],
    rows: 0,
    bad: 0,
    errors: [],
    distinct: new Map(),
    labelIds: [],
    stats: new RunningStats(0),
  };
}

/** Counts a good row and keeps its label's id (ids in order of first appearance). */
function keepLabel(pass: CsvPass, label: string): void {
  let id = pass.distinct.get(label);
  if (id === undefined) pass.distinct.set(label, (id = pass.distinct.size));
  pass.labelIds.push(id);
  pass.rows++;
}

/** Parses a row's feature cells into `chunk` at `base`; what is wrong with a cell goes to `problems`. */
function readFeatures(
  record: string[],
  header: string[],
  featureAt: number[],
  chunk: Float32Array,
  base: number,
  problems: string[],
): void {
  featureAt.forEach((col, j) => {
    const cell = record[col] as string;
    if (cell === '') problems.push(`missing '${header[col]}'`);
    else if (!NUMBER.test(cell)) problems.push(`'${header[col]}' is not a number ('${clip(cell)}')`);
    else if (!Number.isFinite(Math.fround(Number(cell)))) {
      problems.push(`'${header[col]}' is out of float32 range ('${clip(cell)}')`);
    } else chunk[base + j] = Number(cell);
  });
}

/** Refuses an empty CSV, one with bad rows (naming the first) or one with no rows; else its header. */
function refuseBadRows(pass: CsvPass, source: string): string[] {
  const { header, bad, errors } = pass;
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
  if (pass.rows === 0) {
    throw new ValidationError(`the ${source} has a header but no rows`, {
      errors: [{ path: 'file', message: 'no rows' }],
    });
  }
  return header;
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
