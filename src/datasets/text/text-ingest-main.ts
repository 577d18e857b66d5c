/**
 * The worker-thread side of ingestTextInThread (text-ingest-thread.ts): one job, then the thread
 * is ended by its parent. The index of every text is written here, so the texts never cross back
 * to the main thread.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { answerOnce } from '../../lib/source-module.js';
import { TEXTS_FILE } from '../dataset-manifest.js';
import { ingestTextTable, ingestTextZip, type TextIngestResult } from './text-ingest.js';
import type { TextIngestJob } from './text-ingest-thread.js';

answerOnce(async (job: TextIngestJob): Promise<TextIngestResult> => {
  const { result, index } =
    job.kind === 'zip'
      ? await ingestTextZip(job.file, job.dir, job.limits)
      : await ingestTextTable(job.file, job.format, job.opts);
  await writeFile(path.join(job.dir, TEXTS_FILE), JSON.stringify(index));
  return result;
});
