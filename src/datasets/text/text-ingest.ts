import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { EntryReadError, ZipArchive, type ArchiveLimits } from '../../lib/zip-archive.js';
import { words } from '../../lib/word-tokens.js';
import { countTokens, tokenizerFor, USE_LITE_MAX_TOKENS } from '../../ml/sentence-encoder.js';
import { classWarnings, MAX_LISTED, sizeStats, skippedWarning, splitWarnings } from '../dataset-warnings.js';
import { isDebris, splitFolder } from '../image/image-layout.js';
import { csvError, csvRecords } from '../labels-csv.js';
import {
  SPLITS,
  type ClassSummary,
  type DatasetWarning,
  type SkippedFile,
  type SplitName,
  type TextDatasetManifest,
  type TextIndex,
} from '../dataset-manifest.js';
import { useLiteDir } from '../../base-models/use-lite.js';
import { canonicalClasses } from '../class-names.js';

/**
 * Text datasets: a CSV with a text and a label column, JSONL of {"text", "label"} objects (other
 * names given as `textColumn` / `labelColumn`), or a zip with one folder per class of UTF-8
 * `.txt` files (optionally under train/ val/ test/). Bytes that are not UTF-8 refuse the upload
 * with the lines (or files) named; empty texts are left out and reported; duplicates and texts
 * longer than the sentence encoder reads are warnings.
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

interface Row {
  text: string;
  label: string;
  /** `line 3` or the file's path in the archive. */
  ref: string;
  split: SplitName;
}

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
  const rows: Row[] = [];
  const skipped: SkippedFile[] = [];
  const errors: FieldError[] = [];
  let bad = 0;
  const fail = (line: number, msg: string): void => {
    bad++;
    if (errors.length < MAX_LISTED_ERRORS) errors.push({ path: 'file', message: `line ${line}: ${msg}` });
  };
  const take = (line: number, rawText: unknown, rawLabel: unknown): void => {
    const label = rawLabel === undefined || rawLabel === null ? '' : String(rawLabel).trim();
    if (typeof rawText !== 'string') {
      fail(line, `'${opts.textColumn}' must be a string`);
      return;
    }
    if (label === '') {
      fail(line, `missing label '${opts.labelColumn}'`);
      return;
    }
    if (rawText.trim() === '') {
      skipped.push({ path: `line ${line}`, reason: 'empty text' });
      return;
    }
    rows.push({ text: rawText, label, ref: `line ${line}`, split: 'train' });
  };

  if (format === 'csv') {
    let header: string[] | undefined;
    let textAt = -1;
    let labelAt = -1;
    try {
      for await (const { record, line } of csvRecords(Readable.from([text]))) {
        if (!header) {
          header = record;
          textAt = header.indexOf(opts.textColumn);
          labelAt = header.indexOf(opts.labelColumn);
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
          continue;
        }
        if (record.length !== header.length) {
          fail(line, `has ${record.length} fields, the header has ${header.length}`);
          continue;
        }
        take(line, record[textAt], record[labelAt]);
      }
    } catch (err) {
      throw csvError(err, source);
    }
    if (!header) throw noText(source, 'it is empty');
    if (rows.length === 0 && skipped.length === 0 && bad === 0)
      throw noText(source, 'it has a header but no rows');
  } else {
    const lines = text.split('\n');
    lines.forEach((raw, i) => {
      const line = i + 1;
      const s = raw.trim();
      if (s === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(s);
      } catch (err) {
        fail(line, `not valid JSON (${(err as Error).message})`);
        return;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        fail(line, `expected an object like {"${opts.textColumn}": "...", "${opts.labelColumn}": "..."}`);
        return;
      }
      const rec = obj as Record<string, unknown>;
      if (!(opts.textColumn in rec)) {
        fail(line, `no "${opts.textColumn}" key (keys: ${Object.keys(rec).slice(0, 10).join(', ')})`);
        return;
      }
      const label = rec[opts.labelColumn];
      if (label !== undefined && label !== null && typeof label !== 'string' && typeof label !== 'number') {
        fail(line, `"${opts.labelColumn}" must be a string or a number`);
        return;
      }
      take(line, rec[opts.textColumn], label);
    });
  }
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
    // One folder wrapping everything (zip of a folder) is not a class.
    const firsts = new Set(files.map((f) => f.path.split('/')[0]));
    const strip =
      firsts.size === 1 &&
      files.every((f) => f.path.split('/').length >= 3) &&
      !splitFolder([...firsts][0] as string);
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
      if (entry.unreadable) {
        skipped.push({ path: entry.path, reason: `unreadable archive entry: ${entry.unreadable}` });
        continue;
      }
      try {
        await archive.extract(entry, tmp);
      } catch (err) {
        if (!(err instanceof EntryReadError)) throw err;
        skipped.push({ path: entry.path, reason: `unreadable archive entry: ${err.message}` });
        continue;
      }
      const buf = await readFile(tmp);
      await rm(tmp, { force: true });
      let content: string;
      try {
        content = new TextDecoder('utf-8', { fatal: true }).decode(buf);
      } catch {
        notUtf8.push(entry.path);
        continue;
      }
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

function noText(source: string, why: string): ValidationError {
  return new ValidationError(`the ${source} holds no usable text: ${why}`, {
    errors: [{ path: 'file', message: `no usable text: ${why}` }],
  });
}

async function summarise(
  rows: Row[],
  skipped: SkippedFile[],
  format: TextDatasetManifest['format'],
  opts: TextIngestOptions,
): Promise<{ result: TextIngestResult; index: TextIndex }> {
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
  const provided = counts.validation > 0 || counts.test > 0;

  const tokenizer = await tokenizerFor(useLiteDir());
  const tokens = rows.map((r) => countTokens(tokenizer, r.text));
  const warnings: DatasetWarning[] = [...classWarnings(classes)];
  if (provided) warnings.push(...splitWarnings(classes, counts));
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
  void SPLITS;
  return { result, index };
}

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
