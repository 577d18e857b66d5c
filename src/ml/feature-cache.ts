import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../lib/cancellation.js';
import { MemorySource } from './memory-source.js';
import type { ExampleSource } from './example-source.js';
import type { Task } from '../contracts/task.js';

/**
 * Frozen-prefix feature caching. When every layer up to the first trainable one is frozen (and
 * no augmentation changes the inputs), the frozen prefix maps each example to the same
 * features in every epoch. They are computed once, kept in memory as one Float32Array per split
 * (served by a MemorySource), and each epoch then runs only the trainable suffix: a second
 * LayersModel built from the *same layer objects*, so training it trains the full model.
 *
 * Memory bound: (train + validation examples) x (elements of the boundary tensor) x 4 bytes,
 * checked against a budget before anything is computed; above it the trainer runs uncached.
 * Frozen layers run in inference mode on both paths (see train-mode.ts), so both give the same
 * model for the same seed, up to float rounding.
 */

export type Boundary = { tensor: tf.SymbolicTensor } | { reason: string };

/**
 * The single tensor through which the frozen prefix feeds the trainable rest, if there is one.
 * `model.layers` is in topological order, so the layers before the first trainable one can be
 * computed from the inputs alone.
 */
export function findFrozenBoundary(model: tf.LayersModel): Boundary {
  const layers = model.layers;
  const first = layers.findIndex((l) => l.trainable && l.getClassName() !== 'InputLayer');
  if (first < 0) return { reason: 'the model has no trainable layer' };
  const prefix = new Set(layers.slice(0, first));
  const crossing = new Map<number, tf.SymbolicTensor>();
  const seen = new Set<number>();
  const stack = [...model.outputs];
  while (stack.length) {
    const t = stack.pop() as tf.SymbolicTensor;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (prefix.has(t.sourceLayer)) crossing.set(t.id, t);
    else stack.push(...t.inputs);
  }
  if (crossing.size !== 1) {
    return { reason: `the frozen layers feed the trainable ones through ${crossing.size} tensors, not one` };
  }
  const tensor = [...crossing.values()][0] as tf.SymbolicTensor;
  if (tensor.sourceLayer.getClassName() === 'InputLayer') {
    return { reason: 'no frozen layer precedes the first trainable one' };
  }
  return { tensor };
}

/** Elements of one example at the boundary (null when a dimension is unknown). */
export function boundaryElements(tensor: tf.SymbolicTensor): number | null {
  let n = 1;
  for (const d of tensor.shape.slice(1)) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

export interface SuffixModel {
  model: tf.LayersModel;
  /**
   * Disposes the suffix model (dropping only the references it added to the shared layers) and
   * removes the graph nodes it added to them, so the full model is left exactly as it was:
   * single-node layers whose `output` is defined again.
   */
  release: () => void;
}

/**
 * A model from the boundary tensor to the outputs that re-applies the original layers, so it
 * shares their weights.
 */
export function buildSuffixModel(model: tf.LayersModel, boundary: tf.SymbolicTensor): SuffixModel {
  const nodeCounts = new Map(
    model.layers.map((l) => [l, { inbound: l.inboundNodes.length, outbound: l.outboundNodes.length }]),
  );
  const release = () => {
    for (const [layer, n] of nodeCounts) {
      // Nodes are only ever appended, so the suffix's are the ones past the recorded counts.
      layer.inboundNodes.length = Math.min(layer.inboundNodes.length, n.inbound);
      layer.outboundNodes.length = Math.min(layer.outboundNodes.length, n.outbound);
    }
  };
  const taken = new Set(model.layers.map((l) => l.name));
  let name = `${boundary.sourceLayer.name}_features`;
  while (taken.has(name)) name += '_';
  const input = tf.input({ shape: boundary.shape.slice(1) as number[], name });
  const rebuilt = new Map<number, tf.SymbolicTensor>([[boundary.id, input]]);
  // One application per (layer, node): a node with several outputs is applied once.
  const applied = new Map<string, tf.SymbolicTensor[]>();
  const rebuild = (t: tf.SymbolicTensor): tf.SymbolicTensor => {
    const done = rebuilt.get(t.id);
    if (done) return done;
    const key = `${t.sourceLayer.name}#${t.nodeIndex}`;
    let outs = applied.get(key);
    if (!outs) {
      const inputs = t.inputs.map(rebuild);
      const out = t.sourceLayer.apply(inputs.length === 1 ? (inputs[0] as tf.SymbolicTensor) : inputs, {
        ...t.callArgs,
      });
      outs = Array.isArray(out) ? (out as tf.SymbolicTensor[]) : [out as tf.SymbolicTensor];
      applied.set(key, outs);
    }
    const r = outs[t.tensorIndex] ?? (outs[0] as tf.SymbolicTensor);
    rebuilt.set(t.id, r);
    return r;
  };
  let suffix: tf.LayersModel;
  try {
    const outputs = model.outputs.map(rebuild);
    suffix = tf.model({
      inputs: input,
      outputs: outputs.length === 1 ? (outputs[0] as tf.SymbolicTensor) : outputs,
    });
  } catch (err) {
    release();
    throw err;
  }
  return {
    model: suffix,
    release: () => {
      suffix.dispose();
      release();
    },
  };
}

/**
 * Runs `source` once through `prefix` (inference mode) and keeps the features in memory.
 * `onBatch` gets the number of examples done so far.
 */
export async function cacheFeatures(
  prefix: tf.LayersModel,
  source: ExampleSource,
  featureShape: number[],
  opts: { batchSize: number; task: Task; signal?: AbortSignal; onBatch?: (examples: number) => void },
): Promise<MemorySource> {
  const k = featureShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(source.size * k);
  const labels: number[] = [];
  for await (const batch of source.batches(opts.batchSize, { shuffle: false, seed: 0, epoch: 0 })) {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(opts.signal);
      const out = prefix.predict(batch.xs) as tf.Tensor;
      const [values, ys] = await Promise.all([out.data(), batch.ys.data()]);
      out.dispose();
      if (labels.length + ys.length > source.size) {
        throw new Error(`example source yielded more than its size (${source.size}) examples`);
      }
      features.set(values as Float32Array, labels.length * k);
      for (const y of ys) labels.push(y);
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
    opts.onBatch?.(labels.length);
  }
  if (labels.length !== source.size) {
    throw new Error(`example source yielded ${labels.length} examples, but its size is ${source.size}`);
  }
  return new MemorySource(features, labels, featureShape, opts.task);
}
