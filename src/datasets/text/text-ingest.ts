import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { EntryReadError, ZipArchive, type ArchiveEntry, type ArchiveLimits } from '../../lib/zip-archive.js';
import { skippedWarning } from '../dataset-warnings.js';
import { isDebris, splitFolder } from '../image/image-layout.js';
import { csvError, csvRecords } from '../labels-csv.js';
import type { SkippedFile, TextIndex } from '../dataset-manifest.js';
import { summarise, type Row, type TextIngestOptions, type TextIngestResult } from './text-summary.js';

/**
 * Text datasets: a CSV with a text and a label column, JSONL of {"text", "label"} objects (other
 * names given as `textColumn` / `labelColumn`), or a zip with one folder per class of UTF-8
 * `.txt` files (optionally under train/ val/ test/). Bytes that are not UTF-8 refuse the upload
 * with the lines (or files) named; empty texts are left out and reported; duplicates and texts
 * longer than the sentence encoder reads are warnings.
 */

export type { TextIngestOptions, TextIngestResult } from './text-summary.js';

const MAX_LISTED_ERRORS = 20;

/** Whether the UTF-8 bytes decode; the lines that do not, when they do not. */
function decodeUtf8(buf: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const bad: number[] = [];
    let line = 1;
    let start = 0;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i <= buf.length; i++) {
      if (i === buf.length || buf[i] === 0x0a) {
        try {
          decoder.decode(buf.subarray(start, i));
        } catch {
          bad.push(line);
        }
        line++;
        start = i + 1;
      }
    }
    const shown = bad.slice(0, 10).join(', ');
    throw new ValidationError(
      `the ${source} is not valid UTF-8 text: ${bad.length} line(s) hold bytes that are not UTF-8 ` +
        `(line ${shown}${bad.length > 10 ? ', ...' : ''}); save it as UTF-8`,
      {
        errors: bad
          .slice(0, MAX_LISTED_ERRORS)
          .map((l) => ({ path: 'file', message: `line ${l}: not valid UTF-8` })),
      },
    );
  }
}

export async function ingestTextTable(
  file: string,
  format: 'csv' | 'jsonl',
  opts: TextIngestOptions,
): Promise<{ result: TextIngestResult; index: TextIndex }> {
  const source = format === 'csv' ? 'CSV' : 'JSONL file';
  const text = decodeUtf8(await readFile(file), source);
  const table = new TableRows(opts);
  if (format === 'csv') await readCsvRows(text, source, table);
  else readJsonlRows(text, table);
  const { rows, skipped, errors, bad } = table;
  if (bad > 0) {
    throw new ValidationError(
      `${bad} line(s) of the ${source} cannot be used: ${errors
        .slice(0, 5)
        .map((e) => e.message)
        .join('; ')}${bad > 5 ? '; ...' : ''}`,
      { errors },
    );
  }
  if (rows.length === 0) {
    throw noText(
      source,
      skipped.length > 0
        ? `all ${skipped.length} row(s) have an empty '${opts.textColumn}'`
        : 'it has no rows',
    );
  }
  return summarise(rows, skipped, format, opts);
}

/** The rows of a CSV or JSONL upload as they are read: kept, left out (empty text) or refused by line. */
class TableRows {
  readonly rows: Row[] = [];
  readonly skipped: SkippedFile[] = [];
  readonly errors: FieldError[] = [];
  bad = 0;
  readonly opts: TextIngestOptions;

  constructor(opts: TextIngestOptions) {
    this.opts = opts;
  }

  /** Refuses a line; the first MAX_LISTED_ERRORS are named in the error. */
  fail(line: number, msg: string): void {
    this.bad++;
    if (this.errors.length < MAX_LISTED_ERRORS)
      this.errors.push({ path: 'file', message: `line ${line}: ${msg}` });
  }

  /** Keeps a row; refuses one without a string text or a label; leaves out an empty text. */
  take(line: number, rawText: unknown, rawLabel: unknown): void {
    const label = rawLabel === undefined || rawLabel === null ? '' : String(rawLabel).trim();
    if (typeof rawText !== 'string') {
      this.fail(line, `'${this.opts.textColumn}' must be a string`);
      return;
    }
    if (label === '') {
      this.fail(line, `missing label '${this.opts.labelColumn}'`);
      return;
    }
    if (rawText.trim() === '') {
      this.skipped.push({ path: `line ${line}`, reason: 'empty text' });
      return;
    }
    this.rows.push({ text: rawText, label, ref: `line ${line}`, split: 'train' });
  }
}

/** Reads the CSV's records into `table`; refuses a CSV without the text and label columns, or without rows. */
async function readCsvRows(text: string, source: string, table: TableRows): Promise<void> {
  let header: string[] | undefined;
  let textAt = -1;
  let labelAt = -1;
  try {
    for await (const { record, line } of csvRecords(Readable.from([text]))) {
      if (!header) {
        header = record;
        ({ textAt, labelAt } = csvColumns(header, table.opts));
        continue;
      }
      if (record.length !== header.length) {
        table.fail(line, `has ${record.length} fields, the header has ${header.length}`);
        continue;
      }
      table.take(line, record[textAt], record[labelAt]);
    }
  } catch (err) {
    throw csvError(err, source);
  }
  if (!header) throw noText(source, 'it is empty');
  if (table.rows.length === 0 && table.skipped.length === 0 && table.bad === 0)
    throw noText(source, 'it has a header but no rows');
}

/** Where the text and label columns are in the CSV header; refuses a header without them. */
function csvColumns(header: string[], opts: TextIngestOptions): { textAt: number; labelAt: number } {
  const textAt = header.indexOf(opts.textColumn);
  const labelAt = header.indexOf(opts.labelColumn);
  const missing = [
    ...(textAt < 0 ? [['body.textColumn', opts.textColumn, 'text']] : []),
    ...(labelAt < 0 ? [['body.labelColumn', opts.labelColumn, 'label']] : []),
  ];
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map(([, col, what]) => `${what} column '${col}' is not in the CSV`).join('; ') +
        `; its columns are: ${header.slice(0, 30).join(', ')} (name others with the textColumn and labelColumn fields)`,
      { errors: missing.map(([p, col]) => ({ path: p as string, message: `no column '${col}'` })) },
    );
  }
  return { textAt, labelAt };
}

/** Reads each non-blank JSONL line, an object with the text and label keys, into `table`. */
function readJsonlRows(text: string, table: TableRows): void {
  const { opts } = table;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (err) {
      table.fail(line, `not valid JSON (${(err as Error).message})`);
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      table.fail(line, `expected an object like {"${opts.textColumn}": "...", "${opts.labelColumn}": "..."}`);
      return;
    }
    const rec = obj as Record<string, unknown>;
    if (!(opts.textColumn in rec)) {
      table.fail(line, `no "${opts.textColumn}" key (keys: ${Object.keys(rec).slice(0, 10).join(', ')})`);
      return;
    }
    const label = rec[opts.labelColumn];
    if (label !== undefined && label !== null && typeof label !== 'string' && typeof label !== 'number') {
      table.fail(line, `"${opts.labelColumn}" must be a string or a number`);
      return;
    }
    table.take(line, rec[opts.textColumn], label);
  });
}

export async function ingestTextZip(
  file: string,
  dir: string,
  limits: ArchiveLimits,
): Promise<{ result: TextIngestResult; index: TextIndex }> {
  const archive = await ZipArchive.open(file, limits);
  const rows: Row[] = [];
  const skipped: SkippedFile[] = [];
  const notUtf8: string[] = [];
  try {
    const files = archive.entries.filter((e) => !isDebris(e.path));
    const strip = wrappedInOneFolder(files.map((f) => f.path));
    const tmp = path.join(dir, 'entry.tmp');
    for (const entry of files) {
      const parts = entry.path.split('/').slice(strip ? 1 : 0);
      if (!entry.path.toLowerCase().endsWith('.txt')) {
        skipped.push({ path: entry.path, reason: 'not a .txt file' });
        continue;
      }
      const split = parts.length >= 3 ? splitFolder(parts[0] as string) : undefined;
      const cls = split ? parts[1] : parts.length >= 2 ? parts[parts.length - 2] : undefined;
      if (!cls || (parts.length > 2 && !split)) {
        skipped.push({ path: entry.path, reason: 'not in a class folder (class_name/file.txt)' });
        continue;
      }
      const content = await readEntryText(archive, entry, tmp, skipped, notUtf8);
      if (content === undefined) continue;
      if (content.trim() === '') {
        skipped.push({ path: entry.path, reason: 'empty text' });
        continue;
      }
      rows.push({ text: content, label: cls, ref: entry.path, split: split ?? 'train' });
    }
  } finally {
    archive.close();
  }
  if (notUtf8.length > 0) {
    throw new ValidationError(
      `${notUtf8.length} file(s) of the archive are not valid UTF-8 text: ${notUtf8.slice(0, 5).join(', ')}${notUtf8.length > 5 ? ', ...' : ''}; save them as UTF-8`,
      {
        errors: notUtf8
          .slice(0, MAX_LISTED_ERRORS)
          .map((p) => ({ path: `file:${p}`, message: 'not valid UTF-8' })),
      },
    );
  }
  if (rows.length === 0) {
    const why = skipped.length > 0 ? `: ${skippedWarning(skipped)?.message ?? ''}` : '';
    throw noText('archive', `no class folder holds a non-empty .txt file${why}`);
  }
  return summarise(rows, skipped, 'folders', { textColumn: 'text', labelColumn: 'label' });
}

/** Whether one folder wraps everything (a zip of a folder): that folder is not a class. */
function wrappedInOneFolder(paths: string[]): boolean {
  const firsts = new Set(paths.map((p) => p.split('/')[0]));
  return (
    firsts.size === 1 &&
    paths.every((p) => p.split('/').length >= 3) &&
    !splitFolder([...firsts][0] as string)
  );
}

/**
 * The entry's text, through a temporary file; undefined for an unreadable entry (added to
 * `skipped`) or one that is not UTF-8 (added to `notUtf8`).
 */
async function readEntryText(
  archive: ZipArchive,
  entry: ArchiveEntry,
  tmp: string,
  skipped: SkippedFile[],
  notUtf8: string[],
): Promise<string | undefined> {
  if (entry.unreadable) {
    skipped.push({ path: entry.path, reason: `unreadable archive entry: ${entry.unreadable}` });
    return undefined;
  }
  try {
    await archive.extract(entry, tmp);
  } catch (err) {
    if (!(err instanceof EntryReadError)) throw err;
    skipped.push({ path: entry.path, reason: `unreadable archive entry: ${err.message}` });
    return undefined;
  }
  const buf = await readFile(tmp);
  await rm(tmp, { force: true });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    notUtf8.push(entry.path);
    return undefined;
  }
}

/** The error of an upload with no usable text, saying why. */
function noText(source: string, why: string): ValidationError {
  return new ValidationError(`the ${source} holds no usable text: ${why}`, {
    errors: [{ path: 'file', message: `no usable text: ${why}` }],
  });
}
