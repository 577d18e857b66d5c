import * as tf from '@tensorflow/tfjs';
import type { JobSpec, LayerSpec } from '../contracts/job-spec.js';
import { defaultCutIndex, findLayer } from '../contracts/layer-refs.js';
import { describeModel } from './describe-model.js';
import { createLayer, createOutputLayer } from './layer-factory.js';
import { deriveSeed } from './random.js';
import type { TrainingData } from './example-source.js';

/**
 * Builds the model a job trains: [input | base cut at `cutAt`] -> architecture -> head ->
 * (flatten, when the features are not yet a vector) -> output layer sized from the dataset.
 *
 * Ownership of `base`: the built model shares the kept base layers (their weights are not
 * copied, which matters for large bases); every base layer that is not kept is disposed here.
 * The base LayersModel object must not be used or disposed afterwards: disposing it would
 * dispose the kept layers inside the new model.
 */

export interface BuiltModel {
  model: tf.LayersModel;
  /** The kept base layers in base-model order (indices as in the spec); empty without a base. */
  baseLayers: tf.layers.Layer[];
}

/** Names for new layers that collide with no base layer: a `_2`, `_3`... suffix when needed. */
function planNames(specs: Array<{ spec: LayerSpec; role: string }>, taken: Set<string>): string[] {
  const used = new Set([
    ...taken,
    ...specs.flatMap(({ spec }) => (spec.name === undefined ? [] : [spec.name])),
  ]);
  const unique = (name: string): string => {
    let n = name;
    for (let g = 2; used.has(n); g++) n = `${name}_${g}`;
    used.add(n);
    return n;
  };
  const perRole = new Map<string, number>();
  const names = specs.map(({ spec, role }) => {
    const i = (perRole.get(role) ?? 0) + 1;
    perRole.set(role, i);
    return spec.name ?? unique(`${role}_${i}_${spec.type}`);
  });
  return [...names, unique('output_flatten'), unique('output')];
}

/** Disposes a layer that no model keeps, whatever number of times it was applied. */
function disposeFully(layer: tf.layers.Layer): void {
  try {
    for (let r = layer.dispose(); r.refCountAfterDispose > 0; r = layer.dispose());
  } catch {
    // Never built or never applied: it holds no weights.
  }
}

export function buildModel(
  spec: JobSpec,
  data: TrainingData,
  base: tf.LayersModel | undefined,
  seed: number,
): BuiltModel {
  const created: tf.layers.Layer[] = [];
  try {
    let x: tf.SymbolicTensor;
    let inputs: tf.SymbolicTensor[];
    let baseLayers: tf.layers.Layer[] = [];
    if (base) {
      const desc = describeModel(base);
      let cut = defaultCutIndex(desc.layers);
      if (spec.cutAt !== undefined) {
        const found = findLayer(desc.layers, spec.cutAt);
        if (typeof found === 'string') throw new Error(found);
        cut = found;
      }
      const cutLayer = base.layers[cut] as tf.layers.Layer;
      x = cutLayer.getOutputAt(0) as tf.SymbolicTensor;
      inputs = base.inputs;
      baseLayers = base.layers.slice(0, cut + 1);
    } else {
      x = tf.input({ shape: data.inputShape, name: 'input' });
      inputs = [x];
    }

    const plan = [
      ...(spec.architecture ?? []).map((s) => ({ spec: s, role: 'arch' })),
      ...spec.head.map((s) => ({ spec: s, role: 'head' })),
    ];
    const names = planNames(plan, new Set(base?.layers.map((l) => l.name) ?? []));
    for (const [i, { spec: layerSpec }] of plan.entries()) {
      const layer = createLayer(layerSpec, names[i] as string, deriveSeed(seed, 0x1a, i));
      created.push(layer);
      x = layer.apply(x) as tf.SymbolicTensor;
    }
    if (x.shape.length > 2) {
      const flatten = tf.layers.flatten({ name: names[plan.length] as string });
      created.push(flatten);
      x = flatten.apply(x) as tf.SymbolicTensor;
    }
    const targets = data.task === 'regression' ? data.train.labels : [];
    const mean = targets.length ? targets.reduce((a, b) => a + b, 0) / targets.length : 0;
    const output = createOutputLayer(
      names[plan.length + 1] as string,
      data.task === 'classification' ? data.classes.length : 0,
      deriveSeed(seed, 0x0f),
      mean,
    );
    created.push(output);
    const out = output.apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs, outputs: out });
    if (base) {
      const kept = new Set(model.layers);
      for (const layer of base.layers) if (!kept.has(layer)) disposeFully(layer);
    }
    for (const layer of created) layer.trainable = true;
    return { model, baseLayers };
  } catch (err) {
    for (const layer of created) disposeFully(layer);
    if (base) disposeBase(base);
    throw err;
  }
}

/** Disposes a base that never became part of a model (refused spec, failed build, cancel). */
export function disposeBase(base: tf.LayersModel): void {
  try {
    base.dispose();
  } catch {
    // Already disposed.
  }
}

/** Index one past the last frozen base layer, as `freeze` says (validated beforehand). */
export function frozenEnd(spec: JobSpec, baseLayers: readonly tf.layers.Layer[]): number {
  const kept = baseLayers.length;
  const f = spec.freeze ?? (kept > 0 ? 'all' : 'none');
  if (f === 'all') return kept;
  if (f === 'none') return 0;
  if (typeof f === 'number') return Math.min(f, kept);
  const i = findLayer(baseLayers, f);
  return typeof i === 'number' ? i + 1 : kept;
}

/** Freezes the first `end` base layers and makes the rest of the model trainable. */
export function applyFreeze(
  model: tf.LayersModel,
  baseLayers: readonly tf.layers.Layer[],
  end: number,
): void {
  const frozen = new Set(baseLayers.slice(0, end));
  for (const layer of model.layers) layer.trainable = !frozen.has(layer);
}

/**
 * Unfreezes base layers from `from` up to the frozen end, for fine-tuning. BatchNormalization
 * layers stay frozen unless asked: their statistics are better left as pretrained.
 */
export function unfreezeFrom(
  baseLayers: readonly tf.layers.Layer[],
  from: number,
  end: number,
  trainBatchNorm: boolean,
): void {
  for (const layer of baseLayers.slice(from, end)) {
    if (!trainBatchNorm && layer.getClassName() === 'BatchNormalization') continue;
    layer.trainable = true;
  }
}
