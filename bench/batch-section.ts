import { benchBatch } from './batch.js';
import type { BenchSection } from './report.js';

/** BENCHMARKS.md's section for batch predictions (bench/batch.ts). */
export async function batchSection(log: (line: string) => void): Promise<BenchSection> {
  const r = await benchBatch({ log });
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const x = (v: number) => `${v.toFixed(2)}x`;
  const last = r.rows[r.rows.length - 1]!;
  return {
    title: 'Batch predictions: a zip of small images scored end to end',
    description: `A zip of distinct 32x32 PNGs posted to \`/v1/batch-predictions\` on the real service in this process (API, Redis, worker; the batch runs in a trainer process with its inference worker, backend ${r.backend}), scored by ${r.model} in chunks of ${r.batch} (PREDICT_MAX_BATCH) and written as JSONL and CSV. Baseline: the raw batched forward pass (\`forward\` of src/ml/inference.ts, the function the inference worker runs) on the same model and batch size, on already-decoded rows, in this process, measured right before each run. "Scoring" is the job's own rate (first input read to last line written: image decoding, the forward passes and the writes); "end to end" is what a client sees, from the POST (upload included) to the completed state, so it also pays the upload, the queue, the trainer process's start and the model's load. Peak RSS is the high-water mark of the process that scored the batch (its inference worker thread included); that it does not grow with the number of images is the point. Target: scoring at least 0.9x of raw. On a 2-core machine the decoding (sharp, on libuv's pool) and the forward pass share the cores with everything else running at the time, so the ratio is noisy.`,
    columns: [
      'images',
      'zip',
      'raw forward /s',
      'scoring /s',
      'end to end /s',
      'peak RSS',
      'result lines',
      'scoring / raw',
      'end to end / raw',
    ],
    rows: r.rows.map((row) => [
      String(row.inputs),
      mib(row.zipBytes),
      row.rawPerSec,
      row.scoringPerSec,
      row.endToEndPerSec,
      mib(row.peakRssBytes),
      String(row.resultLines),
      x(row.scoringPerSec / row.rawPerSec),
      x(row.endToEndPerSec / row.rawPerSec),
    ]),
    notes: [
      `Target (scoring >= 0.9x raw at ${last.inputs} images): ${last.scoringPerSec / last.rawPerSec >= 0.9 ? 'met' : 'not met'} (${(last.scoringPerSec / last.rawPerSec).toFixed(3)}x).`,
      `Peak RSS at ${r.rows[0]!.inputs} and at ${last.inputs} images: ${mib(r.rows[0]!.peakRssBytes)} and ${mib(last.peakRssBytes)}. Zip entries are read one at a time (\`ZipArchive.each\`: the central directory is walked twice, to count and to read, and no entry record is kept; kept, they cost about 1 KB each, 100 MB at 100,000 images), at most three chunks of inputs are in memory, and lines are written as they come; most of the RSS is the two TF.js wasm heaps (the trainer process's and its inference worker's) and the Node.js runtime.`,
    ],
  };
}
