import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { saveModelToDir } from '../../src/ml/model-io.js';
import { tempDir } from './base-model-fixtures.js';
import { api } from './api.js';
import { classZip, png, type Rgb } from './dataset-fixtures.js';
import { seededRandom } from './seeded-random.js';
import type { TestContext } from './app.js';

/** Tiny advisor fixtures: a colour dataset with a clear signal, a small CNN base, its registration. */

/** `perClass` 16x16 images per class: shades of red against shades of blue. */
export async function colourZip(perClass: number, seed = 3): Promise<Buffer> {
  const rnd = seededRandom(seed);
  const shade = (base: Rgb): Rgb =>
    base.map((v) => Math.max(0, Math.min(255, v + Math.round((rnd() - 0.5) * 80)))) as Rgb;
  const make = async (base: Rgb) =>
    Promise.all(Array.from({ length: perClass }, () => png(16, 16, shade(base))));
  return classZip({ red: await make([200, 40, 40]), blue: await make([40, 40, 200]) });
}

/** The same grey image in both classes: nothing to learn. */
export async function noSignalZip(perClass: number): Promise<Buffer> {
  const grey = await png(16, 16, [120, 120, 120]);
  return classZip({ a: Array(perClass).fill(grey), b: Array(perClass).fill(grey) });
}

/** A small random-weight CNN (16x16x3: two conv blocks, pooled features, softmax), saved to a folder. */
export async function smallCnnDir(): Promise<string> {
  // Seeded weights: with a random start the probes' accuracies moved from run to run (a test
  // asserting the top one's failed about one run in ten).
  const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
  const model = ((): tf.LayersModel => {
    const input = tf.input({ shape: [16, 16, 3], name: 'image' });
    let x = tf.layers
      .conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'conv_a', ...init(1) })
      .apply(input);
    x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_a' }).apply(x);
    x = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv_b', ...init(2) })
      .apply(x);
    x = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(x);
    const out = tf.layers
      .dense({ units: 3, activation: 'softmax', name: 'probs', ...init(3) })
      .apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  })();
  const dir = await tempDir('advisor-cnn');
  await saveModelToDir(model, dir);
  model.dispose();
  return dir;
}

/** The small CNN, registered. */
export async function registerSmallCnn(ctx: TestContext): Promise<string> {
  const dir = await smallCnnDir();
  const res = await api(ctx).form('/v1/base-models', [
    { name: 'model.json', filename: 'model.json', data: await readFile(path.join(dir, 'model.json')) },
    { name: 'weights', filename: 'weights.bin', data: await readFile(path.join(dir, 'weights.bin')) },
  ]);
  if (res.status !== 201) throw new Error(`base upload failed: ${res.status} ${res.text}`);
  return res.body.id as string;
}

export async function registerCatalog(ctx: TestContext, name: string): Promise<string> {
  const res = await api(ctx).post('/v1/base-models', { catalog: name });
  if (res.status !== 201)
    throw new Error(`catalog registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
