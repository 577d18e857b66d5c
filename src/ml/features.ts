import * as tf from '@tensorflow/tfjs';

/**
 * The features a classifier's output layer reads (the input of its softmax Dense): what the
 * novelty score measures distances on. Every model the service trains ends in that layer, so
 * any of them, and the head-only suffix a job trains on cached features, can give them
 * alongside its scores in the same forward pass.
 */

/** The symbolic input of the layer that produced the model's first output. */
export function penultimate(model: tf.LayersModel): tf.SymbolicTensor {
  const out = model.outputs[0];
  const input = out?.inputs[0];
  if (!out || !input) throw new Error('the model has no layer before its output');
  return input;
}

/** Width of the features (the output layer's input units), or null when not a flat vector. */
export function featureDims(model: tf.LayersModel): number | null {
  const shape = penultimate(model).shape;
  const d = shape[shape.length - 1];
  return shape.length === 2 && typeof d === 'number' ? d : null;
}

/**
 * The same layers with two outputs: the scores and the features. It shares the model's weights
 * (nothing is copied), so it must never be disposed on its own: dispose the model.
 */
export function withFeatures(model: tf.LayersModel): tf.LayersModel {
  return tf.model({
    inputs: model.inputs,
    outputs: [model.outputs[0] as tf.SymbolicTensor, penultimate(model)],
  });
}
