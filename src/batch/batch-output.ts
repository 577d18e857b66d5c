import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Prediction } from '../serving/format.js';

/**
 * The results of a batch prediction as they are produced: one JSONL line and one CSV row per
 * input, in input order, written to local files with backpressure (memory stays flat however
 * many inputs there are). The files are published by the caller once complete.
 */

export const RESULT_FILES = { jsonl: 'results.jsonl', csv: 'results.csv' } as const;
export const SUMMARY_FILE = 'summary.json';

export const CSV_COLUMNS = ['id', 'label', 'score', 'topK', 'novelty', 'unknown', 'value', 'error'] as const;

export type ResultLine = { id: string } & ({ prediction: Prediction } | { error: string });

export class ResultWriter {
  private readonly jsonl: WriteStream;
  private readonly csv: WriteStream;
  /** A write that failed (disk full): the next call throws it rather than the process crashing. */
  private failure: Error | undefined;

  constructor(dir: string) {
    this.jsonl = createWriteStream(path.join(dir, RESULT_FILES.jsonl));
    this.csv = createWriteStream(path.join(dir, RESULT_FILES.csv));
    for (const s of [this.jsonl, this.csv]) s.on('error', (err) => (this.failure ??= err));
    this.csv.write(CSV_COLUMNS.join(',') + '\n');
  }

  async write(lines: ResultLine[]): Promise<void> {
    if (this.failure) throw this.failure;
    const json = lines.map((l) => JSON.stringify(jsonLine(l)) + '\n').join('');
    const csv = lines.map((l) => csvLine(l) + '\n').join('');
    // Both waits start now: awaiting one file's 'drain' and only then listening for the other's
    // would miss a 'drain' the other emitted meanwhile, and wait for ever.
    const waits: Array<Promise<unknown>> = [];
    if (!this.jsonl.write(json)) waits.push(once(this.jsonl, 'drain'));
    if (!this.csv.write(csv)) waits.push(once(this.csv, 'drain'));
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    await Promise.all([end(this.jsonl), end(this.csv)]);
    if (this.failure) throw this.failure;
  }

  /** Ends both files without waiting for them (an aborted run: the folder is removed anyway). */
  destroy(): void {
    this.jsonl.destroy();
    this.csv.destroy();
  }
}

function end(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.end(() => resolve());
  });
}

function jsonLine(l: ResultLine): Record<string, unknown> {
  return 'error' in l ? { id: l.id, error: l.error } : { id: l.id, ...l.prediction };
}

function csvLine(l: ResultLine): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: l.id,
    label: '',
    score: '',
    topK: '',
    novelty: '',
    unknown: '',
    value: '',
    error: '',
  };
  if ('error' in l) cells.error = l.error;
  else if ('value' in l.prediction) {
    const v = l.prediction.value;
    cells.value = Array.isArray(v) ? v.join(' ') : String(v);
  } else {
    const p = l.prediction;
    cells.label = p.label;
    cells.score = String(p.score);
    cells.topK = p.topK.map((t) => `${t.label}:${t.score}`).join('|');
    cells.novelty = p.novelty === undefined ? '' : String(p.novelty);
    cells.unknown = String(p.unknown);
  }
  return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',');
}

/**
 * RFC 4180 quoting; a cell a spreadsheet would run as a formula (a file name starting with `=`,
 * `+`, `-` or `@`) is prefixed with `'` (OWASP's CSV-injection advice). Numbers are left alone.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
