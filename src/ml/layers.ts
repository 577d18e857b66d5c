import type * as tf from '@tensorflow/tfjs';

/**
 * What a user needs to choose `cutAt` and `fineTune.unfreezeFrom`: every layer in topological
 * order with its class, output shape, parameter count and trainable flag, plus the layers that
 * feed it (so a cut point in a non-sequential graph such as MobileNetV2's residual blocks can be
 * judged).
 */

export type Dim = number | null;

export interface LayerInfo {
  index: number;
  name: string;
  /** Keras class name, e.g. `Conv2D`, `BatchNormalization`, `GlobalAveragePooling2D`. */
  className: string;
  /** With the batch dimension (null). A layer with several outputs has one shape per output. */
  outputShape: Dim[] | Dim[][];
  params: number;
  trainable: boolean;
  /** Names of the layers whose outputs this layer consumes (empty for inputs). */
  inbound: string[];
}

export interface TensorInfo {
  name: string;
  /** Without the batch dimension; null where the model accepts any size. */
  shape: Dim[];
}

export interface LayersSummary {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  params: { total: number; trainable: number; nonTrainable: number };
  layers: LayerInfo[];
}

export function describeLayers(model: tf.LayersModel): LayerInfo[] {
  return model.layers.map((layer, index) => {
    const inbound = new Set<string>();
    for (const node of layer.inboundNodes) for (const l of node.inboundLayers) inbound.add(l.name);
    return {
      index,
      name: layer.name,
      className: layer.getClassName(),
      outputShape: layer.outputShape as Dim[] | Dim[][],
      params: layer.countParams(),
      trainable: layer.trainable,
      inbound: [...inbound],
    };
  });
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function summarizeModel(model: tf.LayersModel): LayersSummary {
  const trainable = model.trainableWeights.reduce((n, w) => n + size(w.shape as number[]), 0);
  const total = model.countParams();
  return {
    inputs: model.inputs.map((t, i) => ({
      name: model.inputNames[i] ?? t.name,
      shape: (t.shape as Dim[]).slice(1),
    })),
    outputs: model.outputs.map((t, i) => ({
      name: model.outputNames[i] ?? t.name,
      shape: (t.shape as Dim[]).slice(1),
    })),
    params: { total, trainable, nonTrainable: total - trainable },
    layers: describeLayers(model),
  };
}
