import * as tf from '@tensorflow/tfjs';

/**
 * A small functional CNN for 28x28x1 inputs with BatchNormalization, built from seeded
 * initialisers so two calls give identical weights. The BatchNormalization moving statistics
 * are set away from their defaults (0 and 1), so inference-mode and batch-statistics
 * normalisation give visibly different outputs.
 */
export function seededCnn(seed: number, classes = 5): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 100 + i });
  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  let x = tf.layers
    .conv2d({ name: 'conv1', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) })
    .apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn1' });
  x = bn.apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      name: 'conv2',
      filters: 8,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      kernelInitializer: init(2),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ name: 'fc', units: 16, activation: 'relu', kernelInitializer: init(3) })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'probs', units: classes, activation: 'softmax', kernelInitializer: init(4) })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // getWeights() returns the layer's own variables: only the new tensors are ours to dispose.
  const [gamma, beta] = bn.getWeights();
  const stats = [tf.linspace(0.1, 0.4, 4), tf.linspace(0.5, 2, 4)];
  bn.setWeights([gamma as tf.Tensor, beta as tf.Tensor, ...stats]);
  tf.dispose(stats);
  return model;
}

/** Every weight of every layer, copied out by layer name (for before/after comparisons). */
export function weightsByLayer(model: tf.LayersModel): Map<string, Float32Array[]> {
  return new Map(model.layers.map((l) => [l.name, l.getWeights().map((w) => w.dataSync() as Float32Array)]));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
