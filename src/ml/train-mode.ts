import type * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './random.js';

/**
 * Per-layer training behaviour that TF.js does not offer.
 *
 * Frozen layers run in inference mode. TF.js passes `training: true` to every layer during a
 * training step, so a BatchNormalization layer with `trainable = false` still normalises with
 * batch statistics and keeps overwriting its moving mean and variance (Keras since TF 2.0 runs
 * frozen BatchNormalization in inference mode instead), and a frozen Dropout still drops. While
 * training, every frozen layer's `call` is wrapped to force `training: false`; this is also what
 * makes training on cached frozen-prefix features identical to training through the prefix.
 *
 * Dropout is seeded per step. A TF.js Dropout with a fixed `seed` draws the same mask on every
 * call, and without one it draws from Math.random; setting a seed derived from (job seed,
 * step, layer) before each step gives fresh masks that replay exactly.
 */

type CallFn = tf.layers.Layer['call'];
type Kwargs = Parameters<CallFn>[1];

export function forceFrozenInference(model: tf.LayersModel): () => void {
  const patched: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer.trainable || layer.getClassName() === 'InputLayer') continue;
    const call = layer.call;
    layer.call = function (this: tf.layers.Layer, inputs, kwargs: Kwargs) {
      return call.call(this, inputs, { ...kwargs, training: false });
    };
    patched.push(layer);
  }
  return () => {
    for (const layer of patched) delete (layer as Partial<tf.layers.Layer>).call;
  };
}

const SEEDED_CLASSES = new Set(['Dropout', 'SpatialDropout1D']);

/** The `seed` field TF.js Dropout layers read on every call (public in JS, untyped in TS). */
interface Seeded {
  seed?: number;
}

export class DropoutSeeder {
  private readonly layers: Array<{ layer: Seeded; index: number; original: number | undefined }>;

  constructor(
    model: tf.LayersModel,
    private readonly seed: number,
  ) {
    this.layers = model.layers
      .map((layer, index) => ({ layer, index }))
      .filter(({ layer }) => SEEDED_CLASSES.has(layer.getClassName()))
      .map(({ layer, index }) => {
        const s = layer as unknown as Seeded;
        return { layer: s, index, original: s.seed };
      });
  }

  setStep(step: number): void {
    for (const l of this.layers) l.layer.seed = deriveSeed(this.seed, 0xd0, step, l.index);
  }

  restore(): void {
    for (const l of this.layers) l.layer.seed = l.original;
  }
}
