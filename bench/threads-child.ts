/**
 * One measurement in a process of its own, on the XNNPACK thread count it is given: the wasm
 * backend fixes its thread pool when it starts, so 1 and 2 threads cannot share a process.
 *
 *   npx tsx bench/threads-child.ts <finetune|inference> <threads> [prefixThreads] [batches]
 *   npx tsx bench/threads-child.ts text <threads> [encoderInstances] [texts]
 *
 * Prints one JSON line: { samplesPerSec, threads, rssPeakBytes } (text: texts/s of the sentence
 * encoder on held-out SpamAssassin mails, batches of 64).
 */
import { useLiteDir } from '../src/base-models/use-lite.js';
import { loadParallelSentenceEncoder } from '../src/ml/encoder-threads.js';
import { loadSentenceEncoder } from '../src/ml/sentence-encoder.js';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { spamTexts } from './text.js';
import { fineTuneSamplesPerSec, inferenceSamplesPerSec } from './vs-pytorch.js';

/** `instances` 1: one encoder on this thread's backend; more: loadParallelSentenceEncoder. */
async function textsPerSec(count: number, instances: number): Promise<number> {
  const encoder =
    instances > 1
      ? await loadParallelSentenceEncoder(useLiteDir(), {
          instances,
          workerThreads: Number(process.env['ENCODER_WORKER_THREADS'] ?? 1),
          ...(process.env['ENCODER_WORKERS_ONLY']
            ? { workersOnly: process.env['ENCODER_WORKERS_ONLY'] === '1' }
            : {}),
        })
      : await loadSentenceEncoder(useLiteDir());
  try {
    const texts = spamTexts(count + 64);
    await encoder.encode(texts.slice(0, 64)); // warm-up: kernels and buffers
    const t0 = performance.now();
    await encoder.encode(texts.slice(64));
    return ((texts.length - 64) * 1000) / (performance.now() - t0);
  } finally {
    encoder.dispose();
  }
}

const [kind, threadsArg, prefixArg, batchesArg] = process.argv.slice(2);
const info = await initWasmBackend({ threads: Number(threadsArg ?? 1) });
const prefixThreads = Number(prefixArg ?? 0);
let samplesPerSec: number;
if (kind === 'finetune') {
  samplesPerSec = await fineTuneSamplesPerSec(Number(batchesArg ?? 12), undefined, prefixThreads);
} else if (kind === 'inference') {
  samplesPerSec = await inferenceSamplesPerSec(Number(batchesArg ?? 4), prefixThreads);
} else if (kind === 'text') {
  samplesPerSec = await textsPerSec(Number(batchesArg ?? 256), Math.max(1, prefixThreads));
} else {
  throw new Error(`unknown case ${kind}: finetune, inference or text`);
}
const rssPeakBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ samplesPerSec, threads: info.threads, rssPeakBytes }) + '\n');
