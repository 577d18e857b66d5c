import * as tf from '@tensorflow/tfjs';
import { UnprocessableError } from '../lib/errors.js';
import { summarizeModel, type LayersSummary } from './layers.js';
import { readArtifacts } from './model-io.js';

function problem(message: string): UnprocessableError {
  return new UnprocessableError(message, { errors: [{ path: 'model.json', message }] });
}

/**
 * Proves a stored folder is a loadable LayersModel and describes it. The topology is built
 * first and the weights loaded into it by hand, rather than in one `tf.loadLayersModel` call,
 * because when the weights do not match the topology that call throws after creating the model's
 * variables and never returns the model, leaking them; here the model is always disposed.
 */
export async function inspectModelDir(dir: string): Promise<LayersSummary> {
  const artifacts = await readArtifacts(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology }));
  } catch (err) {
    throw problem(`TF.js cannot build the model from model.json: ${(err as Error).message}`);
  }
  try {
    let weights: tf.NamedTensorMap;
    try {
      weights = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
    } catch (err) {
      throw problem(`the weight shards cannot be decoded: ${(err as Error).message}`);
    }
    try {
      model.loadWeights(weights, true);
    } catch (err) {
      throw problem(`the weights do not fit the model: ${(err as Error).message}`);
    } finally {
      tf.dispose(Object.values(weights));
    }
    return summarizeModel(model);
  } finally {
    model.dispose();
  }
}
