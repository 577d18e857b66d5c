import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ValidationError, type FieldError } from '../lib/errors.js';
import type { SplitName } from './dataset-manifest.js';
import { splitFolder } from './image/image-layout.js';

/**
 * `labels.csv` for images that aren't foldered: `filename,label` rows, with or without that
 * header, and an optional third `split` column (train / val / test). File names are relative to
 * the folder labels.csv is in.
 */

export interface LabelRow {
  label: string;
  split: SplitName;
  line: number;
}

const MAX_LISTED_ERRORS = 20;

export async function parseLabelsCsv(input: Readable, source = 'labels.csv'): Promise<Map<string, LabelRow>> {
  const rows = new Map<string, LabelRow>();
  const errors: FieldError[] = [];
  let bad = 0;
  let columns: { filename: number; label: number; split: number } | undefined;
  const fail = (line: number, msg: string): void => {
    bad++;
    if (errors.length < MAX_LISTED_ERRORS)
      errors.push({ path: `file:${source}`, message: `line ${line}: ${msg}` });
  };

  try {
    for await (const { record, line } of csvRecords(input)) {
      if (!columns) {
        const lower = record.map((c) => c.toLowerCase());
        if (lower.includes('filename') && lower.includes('label')) {
          columns = {
            filename: lower.indexOf('filename'),
            label: lower.indexOf('label'),
            split: lower.indexOf('split'),
          };
          continue;
        }
        columns = { filename: 0, label: 1, split: record.length >= 3 ? 2 : -1 };
      }
      const filename = record[columns.filename] ?? '';
      const label = record[columns.label] ?? '';
      const splitCell = columns.split >= 0 ? (record[columns.split] ?? '') : '';
      if (filename === '') {
        fail(line, 'missing file name');
        continue;
      }
      if (label === '') {
        fail(line, `missing label for '${filename}'`);
        continue;
      }
      const split = splitCell === '' ? 'train' : splitFolder(splitCell);
      if (!split) {
        fail(line, `unknown split '${splitCell}' (train, val, test)`);
        continue;
      }
      const key = normaliseName(filename);
      if (rows.has(key)) {
        fail(line, `'${filename}' is listed twice (first on line ${rows.get(key)?.line})`);
        continue;
      }
      rows.set(key, { label, split, line });
    }
  } catch (err) {
    throw csvError(err, source);
  }
  if (bad > 0) {
    throw new ValidationError(
      `${source} has ${bad} bad row(s): ${errors
        .slice(0, 5)
        .map((e) => e.message)
        .join('; ')}${bad > 5 ? '; ...' : ''}`,
      { errors },
    );
  }
  if (rows.size === 0) {
    throw new ValidationError(`${source} lists no files`, {
      errors: [{ path: `file:${source}`, message: 'no rows' }],
    });
  }
  return rows;
}

export function normaliseName(name: string): string {
  return name
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** csv-parse's own errors (bad quoting ...) become a 400; anything else (I/O, limits) passes. */
/**
 * The rows of an uploaded CSV with the line each ends on: BOM dropped, cells trimmed, blank lines
 * skipped, rows of any length (the caller reports short ones by line).
 */
export async function* csvRecords(input: Readable): AsyncGenerator<{ record: string[]; line: number }> {
  const parser = input.pipe(
    parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield { record, line: info.lines };
    }
  } finally {
    // pipe() does not pass on the parser's end: a reader that stops early (the header probe)
    // would leave the file open, and a deleted upload's space held, until garbage collection.
    input.destroy();
  }
}

export function csvError(err: unknown, source: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ValidationError(`${source} is not valid CSV: ${msg}`, {
    errors: [{ path: `file:${source}`, message: msg }],
  });
}
