import { reviveAppError, type SerialisedAppError } from '../../lib/errors.js';
import { startModuleThread } from '../../lib/source-thread.js';
import type { ArchiveLimits } from '../../lib/zip-archive.js';
import type { TextIngestOptions, TextIngestResult } from './text-ingest.js';

/**
 * Text ingest off the event loop. Decoding, CSV/JSONL parsing, token counting, duplicate grouping
 * and serialising the index of every text are synchronous work proportional to the upload (27 s
 * for a 32 MB CSV), so they run in a worker thread of their own, which also writes the index
 * file; only the manifest's summary comes back. A domain error raised there (a refused upload)
 * comes back as the same error class, message and `errors[]`.
 */

export type TextIngestJob =
  | { kind: 'table'; file: string; dir: string; format: 'csv' | 'jsonl'; opts: TextIngestOptions }
  | { kind: 'zip'; file: string; dir: string; limits: ArchiveLimits };

export type TextIngestReply =
  | { type: 'done'; result: TextIngestResult }
  | { type: 'refused'; error: SerialisedAppError }
  | { type: 'failed'; message: string; stack?: string };

const entry = new URL(
  import.meta.url.endsWith('.ts') ? './text-ingest-main.ts' : './text-ingest-main.js',
  import.meta.url,
);

/** Runs `job` in a fresh worker thread; resolves with the summary once the index file is written. */
export async function ingestTextInThread(job: TextIngestJob): Promise<TextIngestResult> {
  const worker = startModuleThread(entry);
  try {
    const reply = await new Promise<TextIngestReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`text ingest thread exited with code ${code}`)));
      worker.postMessage(job);
    });
    if (reply.type === 'done') return reply.result;
    if (reply.type === 'refused') throw reviveAppError(reply.error);
    const err = new Error(`text ingest failed: ${reply.message}`);
    if (reply.stack) err.stack = reply.stack;
    throw err;
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
