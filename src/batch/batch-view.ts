import type { JobRecord, JobState } from '../jobs/job-service.js';
import type { BatchPayload, BatchProgress, BatchResult } from '../queue/queues.js';

/** A batch prediction as the API shows it, built from its job record. */

export interface BatchView {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  failure?: JobRecord['failure'];
  modelId: string;
  topK: number;
  input:
    | { kind: 'upload'; uploadId: string; format: 'zip' | 'jsonl' | 'csv'; filename: string; bytes: number }
    | { kind: 'dataset'; datasetId: string };
  progress?: BatchProgress;
  /** Once completed: inputs scored, of which unreadable (an `error` line each). */
  counts?: { total: number; succeeded: number; errors: number };
  /** Once completed: how long scoring took, at what rate, and the scoring process's peak memory. */
  run?: { scoringSeconds: number; inputsPerSec: number; peakRssBytes: number };
  results?: { jsonl: string; csv: string };
  error?: string;
}

export function batchView(r: JobRecord): BatchView {
  const data = r.data as BatchPayload;
  const input: BatchView['input'] =
    data.input.kind === 'dataset'
      ? { kind: 'dataset', datasetId: data.input.datasetId }
      : {
          kind: 'upload',
          uploadId: data.input.inputId,
          format: data.input.format,
          filename: data.input.filename,
          bytes: data.input.bytes,
        };
  const out: BatchView = {
    id: r.id,
    state: r.state,
    createdAt: r.createdAt,
    attempts: r.attempts,
    modelId: data.modelId,
    topK: data.topK,
    input,
  };
  if (r.startedAt) out.startedAt = r.startedAt;
  if (r.finishedAt) out.finishedAt = r.finishedAt;
  if (r.failure) out.failure = r.failure;
  if (r.progress) out.progress = r.progress as BatchProgress;
  if (r.error) out.error = r.error;
  const result = r.result as BatchResult | undefined;
  if (r.state === 'completed' && result) {
    out.counts = { total: result.total, succeeded: result.succeeded, errors: result.errors };
    out.run = {
      scoringSeconds: result.scoringSeconds,
      inputsPerSec: result.inputsPerSec,
      peakRssBytes: result.peakRssBytes,
    };
    out.progress = { phase: 'done', processed: result.total, total: result.total, errors: result.errors };
    out.results = {
      jsonl: `/v1/batch-predictions/${r.id}/results?format=jsonl`,
      csv: `/v1/batch-predictions/${r.id}/results?format=csv`,
    };
  }
  return out;
}
