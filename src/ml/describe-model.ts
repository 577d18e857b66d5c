import type * as tf from '@tensorflow/tfjs';
import type { BaseTopology, DatasetDescription, Dims } from '../contracts/model-topology.js';
import { describeLayers, type LayerInfo } from './layers.js';
import type { TrainingData } from './example-source.js';

/**
 * What the spec checks need to know of a loaded model and of training data. Layers come from
 * describeLayers, the listing GET /v1/base-models/:id/layers shows, so a layer index in a spec
 * means the same thing everywhere.
 */

export interface ModelDescription extends BaseTopology {
  layers: LayerInfo[];
  outputShape: Dims;
}

export function describeModel(model: tf.LayersModel): ModelDescription {
  return {
    layers: describeLayers(model),
    inputShape: (model.inputs[0]?.shape ?? []) as Dims,
    outputShape: (model.outputs[0]?.shape ?? []) as Dims,
  };
}

export function describeData(data: TrainingData): DatasetDescription {
  return {
    kind: data.kind,
    task: data.task,
    classes: data.classes,
    inputShape: data.inputShape,
    hasValidation: data.validation !== undefined && data.validation.size > 0,
  };
}
