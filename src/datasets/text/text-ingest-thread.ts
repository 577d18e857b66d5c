import { runInModuleThread, siblingModule } from '../../lib/source-module.js';
import type { ArchiveLimits } from '../../lib/zip-archive.js';
import type { TextIngestOptions, TextIngestResult } from './text-ingest.js';

/**
 * Text ingest off the event loop. Decoding, CSV/JSONL parsing, token counting, duplicate grouping
 * and serialising the index of every text are synchronous work proportional to the upload (a
 * 20k-row CSV held the event loop for 3 s), so they run in a worker thread of their own, which
 * also writes the index file; only the manifest's summary comes back. A refused upload comes
 * back as the same ValidationError (message and errors[]).
 */

export type TextIngestJob =
  | { kind: 'table'; file: string; dir: string; format: 'csv' | 'jsonl'; opts: TextIngestOptions }
  | { kind: 'zip'; file: string; dir: string; limits: ArchiveLimits };

const entry = siblingModule(import.meta.url, 'text-ingest-main');

/** Runs `job` in a fresh worker thread; resolves with the summary once the index file is written. */
export function ingestTextInThread(job: TextIngestJob): Promise<TextIngestResult> {
  return runInModuleThread<TextIngestJob, TextIngestResult>(entry, job);
}
