import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { hasZipSignature, ZipArchive, type ArchiveLimits } from '../lib/zip-archive.js';
import { csvRecords } from './labels-csv.js';
import { UnsupportedMediaTypeError, ValidationError } from '../lib/errors.js';

/**
 * Decides what an upload is from its bytes, not from its name or declared content type (which
 * clients get wrong): a zip starts with a local-file or end-of-archive signature, a CSV is text.
 * Anything else is refused with a 415 that says what the file looks like.
 */

export type UploadKind = 'zip' | 'csv' | 'jsonl';

/** What the upload looks like, for modalities to decide whether it is theirs. */
export interface UploadProbe {
  kind: UploadKind;
  /** CSV: the header's column names. */
  csvHeader?: string[];
  /** Zip: the archive's file paths. */
  zipPaths?: string[];
}

const SIGNATURES: Array<{ name: string; test: (b: Buffer) => boolean }> = [
  {
    name: 'a PNG image',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { name: 'a JPEG image', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { name: 'a GIF image', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    name: 'a WebP image',
    test: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { name: 'an AVIF/HEIF image', test: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' },
  { name: 'a TIFF image', test: (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1')) },
  { name: 'a gzip file', test: (b) => b[0] === 0x1f && b[1] === 0x8b },
  { name: 'a PDF document', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  {
    name: 'a 7z archive',
    test: (b) => b.subarray(0, 6).equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])),
  },
  { name: 'a RAR archive', test: (b) => b.subarray(0, 4).toString('latin1') === 'Rar!' },
  { name: 'a tar archive', test: (b) => b.subarray(257, 262).toString('latin1') === 'ustar' },
];

const EXPECTED =
  'upload a zip of images (one folder per class, or with a labels.csv) or of .txt files (one folder per class), ' +
  'a CSV of numeric features or with a text column, or JSONL of {"text", "label"} objects';

export async function sniffUpload(file: string, filename: string): Promise<UploadKind> {
  const head = Buffer.alloc(4096);
  const fh = await open(file, 'r');
  let n: number;
  try {
    n = (await fh.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  if (n === 0) {
    throw new ValidationError('the uploaded file is empty', {
      errors: [{ path: 'file', message: 'empty file' }],
    });
  }
  const b = head.subarray(0, n);
  if (hasZipSignature(b)) return 'zip';

  const lower = filename.toLowerCase();
  const known = SIGNATURES.find((s) => s.test(b));
  if (known) throw new UnsupportedMediaTypeError(`the uploaded file is ${known.name}; ${EXPECTED}`);
  if (lower.endsWith('.zip')) {
    throw new UnsupportedMediaTypeError(`'${filename}' is named .zip but is not a zip archive; ${EXPECTED}`);
  }
  if (!looksLikeText(b)) {
    throw new UnsupportedMediaTypeError(
      `the uploaded file is neither a zip archive nor a text CSV; ${EXPECTED}`,
    );
  }
  const trimmed = b
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (/\.(jsonl|ndjson)$/.test(lower) || (trimmed.startsWith('{') && !/\.(xml|html?|ya?ml)$/.test(lower))) {
    return 'jsonl';
  }
  if (/\.(json|xml|html?|ya?ml)$/.test(lower) || trimmed.startsWith('[') || trimmed.startsWith('<')) {
    throw new UnsupportedMediaTypeError(`'${filename}' looks like JSON, XML or HTML, not CSV; ${EXPECTED}`);
  }
  return 'csv';
}

/** The upload's kind plus what modalities need to choose among themselves (CSV header, zip paths). */
export async function probeUpload(
  upload: { path: string; filename: string },
  limits: ArchiveLimits,
): Promise<UploadProbe> {
  const kind = await sniffUpload(upload.path, upload.filename);
  if (kind === 'csv') {
    try {
      for await (const { record } of csvRecords(createReadStream(upload.path, { end: 65_535 }))) {
        return { kind, csvHeader: record };
      }
    } catch {
      // Not parseable as CSV: the ingest that follows reports why, with the line.
    }
    return { kind };
  }
  if (kind === 'zip') {
    const archive = await ZipArchive.open(upload.path, limits);
    try {
      return { kind, zipPaths: archive.entries.map((e) => e.path) };
    } finally {
      archive.close();
    }
  }
  return { kind };
}

/** No NUL bytes and valid UTF-8 (a multi-byte character cut at the end of the sample is fine). */
function looksLikeText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 4)));
    return true;
  } catch {
    return false;
  }
}
