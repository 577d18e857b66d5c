import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { ImagePreprocessing } from '../../src/contracts/preprocessing.js';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { saveTrainedModel, type NewModelMeta } from '../../src/models/registry.js';
import type { Store } from '../../src/storage/store.js';

/** Tiny real models and inputs for the serving tests (built, briefly trained and stored by the tests). */

export const IMAGE_LABELS = ['red', 'green', 'blue'];
export const FEATURES = ['a', 'b', 'c', 'd'];
export const IMAGE_SPEC: ImagePreprocessing = { size: [8, 8], channels: 3, scale: [0, 1], resize: 'stretch' };
export const TABULAR = { features: FEATURES, mean: [1, 2, 3, 4], std: [2, 2, 0.5, 1] };

/** [8,8,3] -> conv -> flatten -> softmax over 3 colours, trained a few epochs on solid colours. */
export async function imageClassifier(train = true): Promise<tf.LayersModel> {
  // A trained one starts from fixed weights: from some random starts (dead ReLUs) 15 epochs
  // did not separate the colours, and tests asserting the labels failed about one run in four.
  const seed = (n: number) =>
    train ? { kernelInitializer: tf.initializers.glorotUniform({ seed: n }) } : {};
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', ...seed(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', ...seed(2) }),
    ],
  });
  if (train) {
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const colours = [0, 1, 2];
    const xs = tf.tidy(() =>
      tf.concat(
        colours.map((c) =>
          tf
            .oneHot(tf.fill([64], c, 'int32'), 3)
            .reshape([1, 8, 8, 3])
            .tile([8, 1, 1, 1]),
        ),
      ),
    );
    const ys = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          colours.flatMap((c) => Array(8).fill(c)),
          'int32',
        ),
        3,
      ),
    );
    await model.fit(xs, ys, { epochs: 15, batchSize: 24, verbose: 0 });
    tf.dispose([xs, ys]);
  }
  return model;
}

export function tabularClassifier(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

export function tabularRegressor(): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1 })] });
}

export function imageMeta(): NewModelMeta {
  return {
    task: 'classification',
    labels: IMAGE_LABELS,
    inputShape: [8, 8, 3],
    preprocessing: { kind: 'image', image: IMAGE_SPEC },
    history: [],
    lineage: { jobId: 'job_test', datasetId: 'ds_0000000000000000', base: null },
  };
}

export function tabularMeta(task: 'classification' | 'regression'): NewModelMeta {
  return {
    task,
    labels: task === 'classification' ? ['x', 'y', 'z'] : [],
    inputShape: [4],
    preprocessing: { kind: 'tabular', tabular: TABULAR },
    history: [],
    lineage: {},
  };
}

export async function saveModel(
  store: Store,
  model: tf.LayersModel,
  meta: NewModelMeta,
  name?: string,
): Promise<ModelMeta> {
  return saveTrainedModel(store, { model, meta, ...(name === undefined ? {} : { name }) });
}

export async function solidPng(rgb: [number, number, number], size = 8): Promise<Buffer> {
  return sharp({
    create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toBuffer();
}

/** A random-noise PNG, so distinct images give distinct outputs. */
export async function noisePng(seed: number, size = 8): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  let s = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    raw[i] = s >>> 24;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** What the server should answer, computed here with the model itself. */
export function directPredict(model: tf.LayersModel, rows: Float32Array[], shape: number[]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor(concat(rows), [rows.length, ...shape]);
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
}

function concat(rows: Float32Array[]): Float32Array {
  const size = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => out.set(r, i * size));
  return out;
}

export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}
