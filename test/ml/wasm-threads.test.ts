import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend, wasmBackendThreads, wasmThreads } from '../../src/ml/wasm-kernels/index.js';

const run = promisify(execFile);

interface ChildResult {
  threads: number;
  loss: number[];
  accuracy: number;
  weights: Array<{ name: string; values: number[] }>;
  tensorsLeft: number;
}

async function seededJob(threads: number): Promise<ChildResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/seeded-train-child.ts', String(threads)],
    { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildResult;
}

describe('the threaded wasm build under Node', () => {
  beforeAll(async () => {
    await initWasmBackend({ threads: 2 });
  });

  it('runs XNNPACK on the threads asked for, and the process still exits on its own', async () => {
    expect(wasmBackendThreads()).toBe(2);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
    // A convolution big enough to be split over the pool, against the same one in plain JS.
    const x = tf.randomNormal([2, 32, 32, 16], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 2);
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    const got = await y.data();
    const xs = (await x.array()) as number[][][][];
    const ws = (await w.array()) as number[][][][];
    let worst = 0;
    for (const [b, i, j, o] of [
      [0, 0, 0, 0],
      [1, 31, 31, 31],
      [0, 15, 7, 3],
      [1, 5, 30, 17],
    ] as const) {
      let want = 0;
      for (let di = -1; di <= 1; di++)
        for (let dj = -1; dj <= 1; dj++)
          for (let c = 0; c < 16; c++) {
            const xi = xs[b]?.[i + di]?.[j + dj]?.[c];
            if (xi !== undefined) want += xi * (ws[di + 1]?.[dj + 1]?.[c]?.[o] as number);
          }
      worst = Math.max(worst, Math.abs(want - (got[((b * 32 + i) * 32 + j) * 32 + o] as number)));
    }
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([x, w, y]);
    // tsx and the backend's pthreads must not keep a finished script alive (a hung child fails here).
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/ml/wasm-kernels/index.js').then(async (m) => { await m.initWasmBackend({ threads: 2 }); console.log(m.wasmBackendThreads()); })",
      ],
      { timeout: 60_000 },
    );
    expect(stdout.trim()).toBe('2');
  });

  it('resolves 0 to every core, at most 8', () => {
    expect(wasmThreads(0)).toBeGreaterThanOrEqual(1);
    expect(wasmThreads(0)).toBeLessThanOrEqual(8);
    expect(wasmThreads(3)).toBe(3);
    expect(wasmThreads(64)).toBe(8);
  });
});

describe('a seeded job on 1 and 2 threads', () => {
  it('trains the same model up to float rounding', async () => {
    const [one, two] = [await seededJob(1), await seededJob(2)];
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(one.tensorsLeft).toBe(two.tensorsLeft);
    expect(two.loss).toHaveLength(one.loss.length);
    for (const [i, l] of one.loss.entries()) expect(two.loss[i]).toBeCloseTo(l, 4);
    expect(two.accuracy).toBeCloseTo(one.accuracy, 6);
    expect(two.weights.map((w) => w.name)).toEqual(one.weights.map((w) => w.name));
    let worst = 0;
    for (const [k, w] of one.weights.entries()) {
      const other = two.weights[k]?.values ?? [];
      for (const [i, v] of w.values.entries()) worst = Math.max(worst, Math.abs(v - (other[i] as number)));
    }
    expect(worst).toBeLessThan(1e-4);
  }, 300_000);
});
