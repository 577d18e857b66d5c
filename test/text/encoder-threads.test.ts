import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLiteDir } from '../../src/base-models/use-lite.js';
import { spamAssassin } from '../../scripts/demo/mail.js';
import { selectBackend } from '../../src/ml/backend.js';
import { encodeOn, encoderInstances, loadParallelSentenceEncoder } from '../../src/ml/encoder-threads.js';
import { loadSentenceEncoder, type SentenceEncoder } from '../../src/ml/sentence-encoder.js';

/** 96 real mails, long and short, so chunks differ in length and in padding. */
const texts = spamAssassin()
  .slice(0, 96)
  .map((m) => m.text);

let single: SentenceEncoder;
let reference: Float32Array;

beforeAll(async () => {
  await selectBackend('wasm', { wasmThreads: 2 });
  single = await loadSentenceEncoder(useLiteDir());
  reference = await single.encode(texts);
}, 120_000);

const worstDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((w, v, i) => Math.max(w, Math.abs(v - (b[i] as number))), 0);

describe('the sentence encoder on several instances', () => {
  it('gives the rows one instance gives, in order, and reports progress up to every text', async () => {
    const before = tf.memory().numTensors;
    const parallel = await loadParallelSentenceEncoder(useLiteDir(), { instances: 3 });
    expect(parallel.instances).toBe(3);
    const progress: number[] = [];
    const rows = await parallel.encode(texts, (done) => progress.push(done));
    expect(rows.length).toBe(texts.length * 512);
    expect(worstDiff(rows, reference)).toBeLessThan(1e-5);
    expect(progress.at(-1)).toBe(texts.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // Fewer texts than instances: still every row, each where it belongs.
    const few = await parallel.encode(texts.slice(5, 7));
    expect(worstDiff(few, reference.subarray(5 * 512, 7 * 512))).toBeLessThan(1e-5);
    expect(await parallel.encode([])).toHaveLength(0);
    parallel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('gives the same rows with this thread’s encoder beside a worker thread’s', async () => {
    const before = tf.memory().numTensors;
    const mixed = await loadParallelSentenceEncoder(useLiteDir(), { instances: 2, workersOnly: false });
    expect(mixed.instances).toBe(2);
    expect(worstDiff(await mixed.encode(texts), reference)).toBeLessThan(1e-5);
    mixed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('hands a failed instance’s chunk to the others, and fails only when none is left', async () => {
    let calls = 0;
    const broken = {
      encode: async () => {
        calls++;
        throw new Error('instance lost');
      },
    };
    const healthy = { encode: (t: string[]) => single.encode(t) };
    const rows = await encodeOn([broken, healthy], 512, texts.slice(0, 40));
    expect(calls).toBe(1);
    expect(worstDiff(rows, reference.subarray(0, 40 * 512))).toBeLessThan(1e-5);
    await expect(encodeOn([broken], 512, texts.slice(0, 4))).rejects.toThrow('instance lost');
  }, 120_000);

  it('resolves 0 to one instance per core, at most 4', () => {
    expect(encoderInstances(0)).toBeGreaterThanOrEqual(1);
    expect(encoderInstances(0)).toBeLessThanOrEqual(4);
    expect(encoderInstances(3)).toBe(3);
  });
});
