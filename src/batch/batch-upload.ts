import { createReadStream } from 'node:fs';
import type { ModelMeta } from '../contracts/model-meta.js';
import { csvError, csvRecords } from '../datasets/labels-csv.js';
import { sniffUpload } from '../datasets/upload-sniff.js';
import { UnprocessableError, ValidationError } from '../lib/errors.js';
import { ZipArchive, type ArchiveLimits } from '../lib/zip-archive.js';

/**
 * What an uploaded batch input is (from its bytes), and whether the model can read it: a file
 * the job could never score is refused at upload, with a 4xx, not hours later in the job.
 */
export async function checkUpload(
  upload: { path: string; filename: string },
  meta: ModelMeta,
  archiveLimits: ArchiveLimits,
): Promise<'zip' | 'jsonl' | 'csv'> {
  const kind = await sniffUpload(upload.path, upload.filename);
  const pre = meta.preprocessing;
  if (kind === 'zip') {
    if (pre.kind === 'tabular') {
      throw new UnprocessableError(
        'this model takes numeric features: send a CSV or JSONL of rows, not a zip',
        {
          errors: [{ path: 'file', message: 'a zip for a tabular model' }],
        },
      );
    }
    (await ZipArchive.open(upload.path, archiveLimits)).close();
    return kind;
  }
  if (kind === 'jsonl') return kind;
  if (pre.kind === 'image') {
    throw new UnprocessableError(
      'this model takes images: send a zip of images, or JSONL of {"b64": ...} lines',
      {
        errors: [{ path: 'file', message: 'a CSV for an image model' }],
      },
    );
  }
  const header = await csvHeader(upload.path);
  const needed = pre.kind === 'text' ? ['text'] : pre.tabular.features;
  const missing = needed.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new ValidationError(
      `the CSV lacks column(s) ${missing.join(', ')} (its header: ${header.join(', ')})`,
      {
        errors: [{ path: 'file', message: `missing column(s) ${missing.join(', ')}` }],
      },
    );
  }
  return kind;
}

async function csvHeader(file: string): Promise<string[]> {
  const stream = createReadStream(file);
  try {
    for await (const { record } of csvRecords(stream)) return record;
  } catch (err) {
    throw csvError(err, 'the CSV');
  } finally {
    stream.destroy();
  }
  throw fieldError('file', 'the CSV has no header row');
}

function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { errors: [{ path: `body.${field}`, message }] });
}
