import * as tf from '@tensorflow/tfjs';
import { TEXT_MAX_VOCABULARY, type LayerSpec } from '../contracts/job-spec.js';

/**
 * TF.js layers from spec layers. Every initialiser with randomness gets its own seed, so the
 * new layers of a seeded job start from the same weights every run.
 */
export function createLayer(spec: LayerSpec, name: string, seed: number): tf.layers.Layer {
  const kernelInitializer = tf.initializers.glorotUniform({ seed });
  const kernelRegularizer = 'l2' in spec && spec.l2 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined;
  switch (spec.type) {
    case 'dense':
      return tf.layers.dense({
        name,
        units: spec.units,
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer,
        ...(kernelRegularizer ? { kernelRegularizer } : {}),
      });
    case 'dropout':
      return tf.layers.dropout({ name, rate: spec.rate });
    case 'batchNormalization':
      return tf.layers.batchNormalization({ name, momentum: spec.momentum, epsilon: spec.epsilon });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'embedding':
      return tf.layers.embedding({
        name,
        inputDim: spec.inputDim ?? TEXT_MAX_VOCABULARY + 2,
        outputDim: spec.outputDim,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
      });
    case 'globalAveragePooling1d':
      return tf.layers.globalAveragePooling1d({ name });
    case 'globalMaxPooling1d':
      return tf.layers.globalMaxPooling1d({ name });
    case 'globalAveragePooling2d':
      return tf.layers.globalAveragePooling2d({ name });
    case 'globalMaxPooling2d':
      return tf.layers.globalMaxPooling2d({ name });
    case 'conv2d':
      return tf.layers.conv2d({
        name,
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides,
        padding: spec.padding,
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer,
        ...(kernelRegularizer ? { kernelRegularizer } : {}),
      });
    case 'depthwiseConv2d':
      return tf.layers.depthwiseConv2d({
        name,
        kernelSize: spec.kernelSize,
        depthMultiplier: spec.depthMultiplier,
        strides: spec.strides,
        padding: spec.padding,
        activation: spec.activation,
        useBias: spec.useBias,
        depthwiseInitializer: kernelInitializer,
      });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({
        name,
        poolSize: spec.poolSize,
        strides: spec.strides ?? spec.poolSize,
        padding: spec.padding,
      });
    case 'averagePooling2d':
      return tf.layers.averagePooling2d({
        name,
        poolSize: spec.poolSize,
        strides: spec.strides ?? spec.poolSize,
        padding: spec.padding,
      });
    case 'reshape':
      return tf.layers.reshape({ name, targetShape: spec.targetShape });
    case 'activation':
      return tf.layers.activation({ name, activation: spec.activation });
  }
}

/** The output layer the service adds: softmax over the classes, or one linear unit. */
export function createOutputLayer(
  name: string,
  classes: number,
  seed: number,
  regressionBias?: number,
): tf.layers.Layer {
  const kernelInitializer = tf.initializers.glorotUniform({ seed });
  if (classes > 0) {
    return tf.layers.dense({ name, units: classes, activation: 'softmax', kernelInitializer });
  }
  // Starting the bias at the target mean saves the first epochs from merely learning the offset
  // of unscaled regression targets.
  return tf.layers.dense({
    name,
    units: 1,
    activation: 'linear',
    kernelInitializer,
    biasInitializer: tf.initializers.constant({ value: regressionBias ?? 0 }),
  });
}
