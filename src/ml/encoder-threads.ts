import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { CallThread } from '../lib/call-thread.js';
import { loadSentenceEncoder, type SentenceEncoder } from './sentence-encoder.js';

/**
 * The sentence encoder on every core. USE lite is a Transformer of many small operations: XNNPACK's
 * thread pool speeds up its matrix products, but the rest (attention's softmax, layer norms,
 * gathers) runs on one thread per instance, so a second thread alone gains little. Instead the
 * texts are split into chunks that several instances encode side by side: worker threads with a
 * wasm instance (one XNNPACK thread) and a copy of the encoder each, or this thread's own encoder
 * beside them when asked (`workersOnly: false`) or when no worker thread starts. Every instance
 * runs the same binary and weights and a text's embedding does not depend on the other texts of
 * its batch, so the rows are the ones one instance gives, up to float rounding.
 */

export interface EncoderInit {
  dir: string;
  threads: number;
}

/** Fewer texts than this per chunk are not worth a thread hop. */
const MIN_CHUNK = 8;
/**
 * Texts per chunk at most. Small chunks balance the instances: a chunk of long mails costs several
 * times one of short ones, and with chunks of 64 (one encoder batch) 256 mails made 4 chunks whose
 * token counts differed by 30%, so one thread idled at the end while the other finished. An
 * encoder's texts/s hardly depends on its batch size (16 to 64, BENCHMARKS.md "Every core").
 */
const MAX_CHUNK = 16;

export interface ParallelEncoderOptions {
  /** Instances in all, this thread's included; 0 or absent: one per core (at most 4). */
  instances?: number;
  /** XNNPACK threads of each worker thread's backend (default 1). */
  workerThreads?: number;
  /**
   * Leave this thread's instance out: only worker threads encode (default whenever there are
   * several instances: this thread's backend may run a pool of its own, whose threads would spin
   * beside the workers'; measured 10% faster on 2 cores, BENCHMARKS.md "Every core").
   */
  workersOnly?: boolean;
}

/** What `instances` resolves to on this machine: one per core, at most 4. */
export function encoderInstances(instances = 0): number {
  const cores = os.availableParallelism();
  return Math.max(1, instances > 0 ? instances : Math.min(4, cores));
}

type EncoderThread = CallThread<EncoderInit, { dimension: number }, string[], Float32Array>;

const startEncoderThread = (dir: string, threads: number): Promise<EncoderThread> =>
  CallThread.start(import.meta.url, 'encoder-thread-main', { dir, threads }, { name: 'encoder thread' });

export type Instance = { encode(texts: string[]): Promise<Float32Array> };

/**
 * The encoder in `dir` on `instances` instances (see the module comment). Worker threads that do
 * not start leave fewer instances, not an error (with none, this thread encodes); a thread that
 * fails mid-way hands its chunk back to the others. The caller disposes it (which ends the threads).
 */
export async function loadParallelSentenceEncoder(
  dir: string,
  opts: ParallelEncoderOptions = {},
): Promise<SentenceEncoder & { readonly instances: number }> {
  // Only wasm: libtensorflow spreads one instance over every core (or runs it on the GPU) itself.
  const total = tf.getBackend() === 'wasm' ? encoderInstances(opts.instances) : 1;
  const workersOnly = opts.workersOnly ?? total > 1;
  const wanted = workersOnly ? total : total - 1;
  const started = await Promise.allSettled(
    Array.from({ length: wanted }, () => startEncoderThread(dir, opts.workerThreads ?? 1)),
  );
  const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const local = workersOnly && threads.length > 0 ? undefined : await loadSentenceEncoder(dir);
  const instances: Instance[] = [
    ...(local ? [{ encode: (t: string[]) => local.encode(t) }] : []),
    ...threads.map((t) => ({ encode: (texts: string[]) => t.call(texts) })),
  ];
  const dimension = local?.dimension ?? (threads[0] as EncoderThread).ready.dimension;
  return {
    dimension,
    instances: instances.length,
    encode: (texts, onBatch) => encodeOn(instances, dimension, texts, onBatch),
    dispose() {
      local?.dispose();
      for (const t of threads) void t.close();
    },
  };
}

/** Encodes `texts` in chunks over `instances`; exported for its tests. */
export async function encodeOn(
  instances: Instance[],
  dimension: number,
  texts: readonly string[],
  onBatch?: (done: number) => void,
): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dimension);
  const size = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.ceil(texts.length / instances.length)));
  const queue: number[] = [];
  for (let at = 0; at < texts.length; at += size) queue.push(at);
  let done = 0;
  const healthy = new Set(instances);
  let lastError: unknown;
  const drain = async (instance: Instance): Promise<void> => {
    for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
      const chunk = texts.slice(at, at + size);
      try {
        out.set(await instance.encode(chunk), at * dimension);
      } catch (err) {
        // This instance is gone or broken: its chunk goes back for the others.
        queue.unshift(at);
        healthy.delete(instance);
        lastError = err;
        return;
      }
      done += chunk.length;
      onBatch?.(done);
    }
  };
  // Again while chunks are left that a failed instance handed back after the others finished.
  while (queue.length > 0 && healthy.size > 0) await Promise.all([...healthy].map(drain));
  if (queue.length > 0) {
    throw lastError instanceof Error ? lastError : new Error('no encoder instance could encode the texts');
  }
  return out;
}
