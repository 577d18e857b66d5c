import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromDir, readModelJson, saveModelToDir } from '../../src/ml/model-io.js';

describe('model-io', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(path.join(os.tmpdir(), 'model-io-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips a LayersModel through a folder with identical outputs and no leaked tensors', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', name: 'hidden' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
      ],
    });
    const before = tf.memory().numTensors;
    const { bytes } = await saveModelToDir(model, dir);
    expect(bytes).toBeGreaterThan((4 * 8 + 8 + 8 * 3 + 3) * 4);
    const json = await readModelJson(dir);
    expect(json.weightsManifest[0]?.paths).toEqual(['weights.bin']);

    const loaded = await loadModelFromDir(dir);
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [-1, 0, 0.5, 2],
    ]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
