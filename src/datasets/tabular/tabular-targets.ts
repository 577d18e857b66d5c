import type { Task } from '../../contracts/task.js';
import { ValidationError } from '../../lib/errors.js';
import { canonicalClasses } from '../class-names.js';
import type { ClassSummary } from '../dataset-manifest.js';

/**
 * The label column of a tabular upload (src/datasets/tabular/tabular-ingest.ts) as targets: the
 * task it implies when none is given, then each row's number (regression) or class index
 * (classification, classes sorted as Keras sorts them).
 */

/** A number as a CSV cell writes it. */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Integer labels with at most this many distinct values read as classes when `task` is not given. */
const MAX_INFERRED_CLASSES = 20;

/** Regression: each row's label as a number into `targets`, and the target's range and mean. */
export function regressionTargets(
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
export function classificationTargets(
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

/** A cell as an error message quotes it: at most 40 characters. */
export function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
