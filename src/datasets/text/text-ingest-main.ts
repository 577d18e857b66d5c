/**
 * The worker-thread side of ingestTextInThread (text-ingest-thread.ts): one job, then the
 * thread is ended by its parent. The index of every text is written here, so the texts never
 * cross back to the main thread.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { isAppError, serialiseAppError } from '../../lib/errors.js';
import { TEXTS_FILE } from '../dataset-manifest.js';
import { ingestTextTable, ingestTextZip, type TextIngestResult } from './text-ingest.js';
import type { TextIngestJob, TextIngestReply } from './text-ingest-thread.js';

const port = parentPort;
if (!port) throw new Error('text-ingest-main runs in a worker thread only');

async function run(job: TextIngestJob): Promise<TextIngestResult> {
  const { result, index } =
    job.kind === 'zip'
      ? await ingestTextZip(job.file, job.dir, job.limits)
      : await ingestTextTable(job.file, job.format, job.opts);
  await writeFile(path.join(job.dir, TEXTS_FILE), JSON.stringify(index));
  return result;
}

function replyFor(err: unknown): TextIngestReply {
  if (isAppError(err)) return { type: 'refused', error: serialiseAppError(err) };
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}

port.once('message', (job: TextIngestJob) => {
  run(job).then(
    (result) => port.postMessage({ type: 'done', result } satisfies TextIngestReply),
    (err: unknown) => port.postMessage(replyFor(err)),
  );
});
