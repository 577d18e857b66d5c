import { createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { ByteCounter } from './byte-counter.js';
import { PayloadTooLargeError, ValidationError } from './errors.js';
import { nameCharacterProblem, visibleName } from '../contracts/user-names.js';

/**
 * Reads an uploaded zip from disk without trusting it. The central directory is read first and
 * the whole archive is refused (nothing extracted) when any entry has an absolute path, a `..`
 * segment, is a symlink or device, or when the entry count or the declared uncompressed size is
 * over the limits. While extracting, the real decompressed bytes are counted too and extraction
 * stops at the limit, so a zip bomb with lying headers costs at most `maxBytes` of disk.
 * Entry names are never used as output paths: callers choose where each entry goes.
 */

export interface ArchiveLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface ArchiveEntry {
  /** Normalised path inside the archive: `/`-separated, no `.` or empty segments. */
  path: string;
  declaredBytes: number;
  /** Why the entry can't be read (encrypted, unknown compression); undefined when it can. */
  unreadable?: string;
  readonly raw: yauzl.Entry;
}

/** The signatures a zip starts with: a local file header, or the end record of an empty zip. */
export function hasZipSignature(head: Buffer): boolean {
  const sig = head.subarray(0, 4).toString('latin1');
  return sig === 'PK\x03\x04' || sig === 'PK\x05\x06';
}

/** Whether a file on disk starts like a zip (the one zip sniffer, for datasets and base models). */
export async function isZipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && hasZipSignature(head);
  } finally {
    await fh.close();
  }
}

/** An entry whose own data is broken (bad deflate stream): the caller may skip it. */
export class EntryReadError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'EntryReadError';
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export class ZipArchive {
  /** Bytes decompressed so far, over every entry read. */
  private extracted = 0;

  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** File entries in archive order (directories are left out). */
    readonly entries: ArchiveEntry[],
    /** Every entry, directories included, as stored in the central directory. */
    readonly totalEntries: number,
    private readonly limits: ArchiveLimits,
  ) {}

  static async open(file: string, limits: ArchiveLimits): Promise<ZipArchive> {
    const zip = await openZip(file);
    try {
      const check = entryChecker(zip, limits);
      const entries: ArchiveEntry[] = [];
      for await (const raw of iterateEntries(zip)) {
        const entry = check.next(raw);
        if (entry) entries.push(entry);
      }
      check.end();
      return new ZipArchive(zip, entries, check.total, limits);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /**
   * The file entries one at a time, checked as `open` checks them, none kept: for an archive read
   * once front to back, whose entry records would otherwise stay in memory (about 1 KB each, so
   * 100 MB for 100,000 entries). `read()` streams the entry's bytes, counted against the limits;
   * call it, if at all, before asking for the next entry. A check that fails throws mid-way, so
   * callers that must refuse a bad archive whole check it with `open` first.
   */
  static async *each(
    file: string,
    limits: ArchiveLimits,
  ): AsyncGenerator<{ entry: ArchiveEntry; read(): Promise<Readable> }> {
    const zip = await openZip(file);
    const archive = new ZipArchive(zip, [], zip.entryCount, limits);
    try {
      const check = entryChecker(zip, limits);
      for await (const raw of iterateEntries(zip)) {
        const entry = check.next(raw);
        if (entry) yield { entry, read: () => archive.stream(entry) };
      }
      check.end();
    } finally {
      zip.close();
    }
  }

  get extractedBytes(): number {
    return this.extracted;
  }

  /**
   * Streams one entry to `dest`, hashing it. Throws PayloadTooLargeError at the archive byte
   * limit, ValidationError when the entry is bigger than its header says (corrupt or crafted),
   * and EntryReadError when its compressed data is broken (the caller may skip that entry).
   * A partial `dest` is removed on failure.
   */
  async extract(entry: ArchiveEntry, dest: string): Promise<{ bytes: number; sha256: string }> {
    const counter = this.counter(entry);
    try {
      await pipeline(await this.openStream(entry), counter, createWriteStream(dest));
    } catch (err) {
      await unlink(dest).catch(() => undefined);
      throw this.classify(entry, err);
    }
    return { bytes: counter.bytes, sha256: counter.digest() };
  }

  /** A readable of one entry's bytes, counted against the archive limit (e.g. to parse a CSV). */
  async stream(entry: ArchiveEntry): Promise<Readable> {
    const counter = this.counter(entry);
    const source = await this.openStream(entry);
    source.on('error', (err) => counter.destroy(this.classify(entry, err)));
    return source.pipe(counter);
  }

  close(): void {
    this.zip.close();
  }

  private async openStream(entry: ArchiveEntry): Promise<Readable> {
    if (entry.unreadable) throw new EntryReadError(entry.path, entry.unreadable);
    try {
      return await this.zip.openReadStreamPromise(entry.raw);
    } catch (err) {
      throw new EntryReadError(entry.path, message(err));
    }
  }

  private counter(entry: ArchiveEntry): ByteCounter {
    return new ByteCounter((n) => {
      this.extracted += n;
      if (this.extracted > this.limits.maxBytes) {
        return new PayloadTooLargeError(
          `the archive expands to more than ${this.limits.maxBytes} bytes (MAX_ARCHIVE_BYTES); stopped at '${entry.path}'`,
        );
      }
      return undefined;
    });
  }

  private classify(entry: ArchiveEntry, err: unknown): Error {
    if (err instanceof PayloadTooLargeError || err instanceof ValidationError) return err;
    if (err instanceof EntryReadError) return err;
    const msg = message(err);
    if (/too many bytes|too few bytes/i.test(msg)) {
      return new ValidationError(
        `archive entry '${entry.path}' does not match the size in its header (corrupt or crafted archive)`,
        { errors: [{ path: 'file', message: `entry '${entry.path}': ${msg}` }] },
      );
    }
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) return new EntryReadError(entry.path, msg);
    if (err instanceof Error) return err;
    return new Error(msg);
  }
}

async function openZip(file: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(file, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      decodeStrings: true,
      strictFileNames: false,
    });
  } catch (err) {
    throw new ValidationError(`the file is not a readable zip archive: ${message(err)}`, {
      errors: [{ path: 'file', message: 'not a readable zip archive' }],
    });
  }
}

/**
 * The checks of every entry record, in archive order: `next` returns the file entry (undefined
 * for a folder) or throws for an unsafe one or one past the limits; `end` throws for an empty
 * archive. `total` counts every record, folders included.
 */
function entryChecker(zip: yauzl.ZipFile, limits: ArchiveLimits) {
  if (zip.entryCount > limits.maxEntries) {
    throw new PayloadTooLargeError(
      `the archive has ${zip.entryCount} entries; the limit is ${limits.maxEntries} (MAX_ARCHIVE_ENTRIES)`,
    );
  }
  let declared = 0;
  const state = {
    total: 0,
    next(raw: yauzl.Entry): ArchiveEntry | undefined {
      state.total++;
      if (state.total > limits.maxEntries) {
        throw new PayloadTooLargeError(
          `the archive has more than ${limits.maxEntries} entries (MAX_ARCHIVE_ENTRIES)`,
        );
      }
      const name = raw.fileName;
      const type = (raw.externalFileAttributes >>> 16) & 0xffff & S_IFMT;
      if (type === S_IFLNK) {
        throw unsafe(name, 'is a symbolic link; archives holding links are refused');
      }
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw unsafe(name, 'is not a regular file or folder');
      }
      declared += raw.uncompressedSize;
      if (declared > limits.maxBytes) {
        throw new PayloadTooLargeError(
          `the archive expands to more than ${limits.maxBytes} bytes (MAX_ARCHIVE_BYTES)`,
        );
      }
      if (name.endsWith('/') || type === S_IFDIR) return undefined;
      const path = normalise(name);
      if (path === '') return undefined;
      // A name that would display differently from what it is (control or bidi characters) is
      // skipped, and shown back with those characters written out (contracts/user-names.ts).
      const nameProblem = nameCharacterProblem(path);
      const entry: ArchiveEntry = {
        path: nameProblem ? visibleName(path) : path,
        declaredBytes: raw.uncompressedSize,
        raw,
      };
      if (nameProblem) entry.unreadable = `its name ${nameProblem}`;
      else if (raw.isEncrypted()) entry.unreadable = 'encrypted';
      else if (!raw.canDecodeFileData()) {
        entry.unreadable = `unsupported compression method ${raw.compressionMethod}`;
      }
      return entry;
    },
    end(): void {
      if (state.total === 0) {
        throw new ValidationError('the archive is empty', {
          errors: [{ path: 'file', message: 'the archive has no entries' }],
        });
      }
    },
  };
  return state;
}

/**
 * yauzl's own name validation (absolute paths, `..`, drive letters) surfaces as iteration
 * errors; they become a 400 that names the entry.
 */
async function* iterateEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  const it = zip.eachEntry();
  for (;;) {
    let next: IteratorResult<yauzl.Entry>;
    try {
      next = await it.next();
    } catch (err) {
      const msg = message(err);
      const bad = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(msg);
      if (bad)
        throw unsafe(bad[2] ?? '', `has an unsafe path (${bad[1]}); archives with such paths are refused`);
      throw new ValidationError(`the zip archive is corrupt: ${msg}`, {
        errors: [{ path: 'file', message: msg }],
      });
    }
    if (next.done) return;
    yield next.value;
  }
}

function normalise(name: string): string {
  return name
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

function unsafe(name: string, what: string): ValidationError {
  return new ValidationError(`archive entry '${name}' ${what}`, {
    errors: [{ path: 'file', message: `entry '${name}' ${what}` }],
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
