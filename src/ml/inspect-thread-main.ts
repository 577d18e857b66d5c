/** The worker-thread side of inspect-thread.ts: one inspection, then the parent ends the thread. */
import { answerOnce } from '../lib/source-module.js';
import type { InspectJob } from './inspect-thread.js';
import { inspectModelDir } from './inspect-model-dir.js';
import type { LayersSummary } from './layers.js';
import { inspectSentenceEncoder, type EncoderSummary } from './sentence-encoder.js';

answerOnce<InspectJob, LayersSummary | EncoderSummary>((job) =>
  job.kind === 'layers' ? inspectModelDir(job.dir) : inspectSentenceEncoder(job.dir),
);
