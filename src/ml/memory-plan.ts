import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { UnprocessableError } from '../lib/errors.js';
import { tensorMemory } from './memory.js';
import type { Feed } from './train-loop.js';

/**
 * How much memory a training step takes, estimated before fitting from the models' output
 * shapes, and the micro-batch size that keeps it within the backend's budget.
 *
 * Per step: the trainable weights' gradients, the optimizer's slots (each updated into a new
 * tensor before the old one is freed, so counted twice), the update's temporaries and the
 * accumulated gradients when the batch is split; the batch of inputs (twice, with augmentation); and per example, the larger of
 * the frozen prefix's inference peak and the differentiated part's activations. Every tensor the
 * tape keeps is a layer's output or an op inside a layer of the same size (bias add, activation,
 * BatchNormalization's centred copy) and the backward pass makes its gradient and transposed
 * copies, so a differentiated layer's output counts ACTIVATION_FACTOR times. Weights and cached
 * features are already allocated, so the budget is what is left beside them.
 *
 * Where a batch does not fit, it is split into micro-batches whose gradients are summed before
 * one optimizer update (train-loop.ts), which is the full batch's update. Where one example does
 * not fit, or the trainable weights alone do not, the job fails at once with a message naming
 * the layer and what to change.
 */

/** Tensors of a differentiated layer's output size alive at the peak of a step (see above). */
export const ACTIVATION_FACTOR = 5;
/** Inference keeps a layer's inputs and output (and kernel temporaries) at once. */
const INFERENCE_FACTOR = 3;
/** The WebAssembly heap: 4 GiB, of which a quarter is left to fragmentation and the runtime. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
const WASM_USABLE = 0.75;

/** Optimizer state per trainable weight, in copies of it. */
const SLOTS: Record<string, number> = { adam: 2, sgd: 0, rmsprop: 2, adagrad: 1 };

export class TrainingMemoryError extends UnprocessableError {}

export interface MemoryPlan {
  /** Examples per forward/backward pass (the batch size when the batch fits). */
  microBatch: number;
  budgetBytes: number;
  fixedBytes: number;
  perExampleBytes: number;
}

export function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}

/**
 * The memory a training step may use: `configured` (TRAIN_MEMORY_BUDGET_BYTES) or the backend's
 * own limit (wasm: its heap; others: half the machine's memory), less what tensors hold now.
 */
export function memoryBudget(configured: number | undefined): number {
  const total =
    configured ?? (tf.getBackend() === 'wasm' ? WASM_HEAP_BYTES * WASM_USABLE : os.totalmem() / 2);
  return total - tensorMemory().numBytes;
}

interface GraphTensor {
  layer: tf.layers.Layer;
  shape: Array<number | null>;
  elements: number;
}

/** Every tensor a model computes (inputs excluded), from its outputs back to its inputs. */
function graphTensors(model: tf.LayersModel): GraphTensor[] {
  const inputs = new Set(model.inputs.map((t) => t.id));
  const out: GraphTensor[] = [];
  const seen = new Set<number>();
  const stack = [...model.outputs];
  while (stack.length) {
    const t = stack.pop() as tf.SymbolicTensor;
    if (seen.has(t.id) || inputs.has(t.id)) continue;
    seen.add(t.id);
    out.push({ layer: t.sourceLayer, shape: t.shape, elements: elementsOf(t.shape) });
    stack.push(...t.inputs);
  }
  return out;
}

function elementsOf(shape: Array<number | null>): number {
  return shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
}

const shapeText = (shape: Array<number | null>) => `[${shape.slice(1).join('x')}]`;

export interface PlanInput {
  feed: Feed;
  /** The model whose trainable weights are trained. */
  model: tf.LayersModel;
  optimizer: string;
  batchSize: number;
  augmenting: boolean;
  budgetBytes: number;
  /** Forces a micro-batch size (tests and benches); still refused when one example cannot fit. */
  microBatchSize?: number | undefined;
}

export function planMemory(p: PlanInput): MemoryPlan {
  const trainable = p.model.trainableWeights;
  const trainableParams = trainable.reduce((a, w) => a + w.read().size, 0);
  const slots = SLOTS[p.optimizer] ?? 2;
  // Gradients, slots (old and new during the update), the update's temporaries (two at a time),
  // and the gradient accumulators.
  const weightBytes = 4 * trainableParams * (1 + 2 * slots + 2 + 1);
  const inputShape = p.feed.prefix?.inputs[0]?.shape ?? p.feed.forward.inputs[0]?.shape ?? [null];
  const inputBytes = 4 * elementsOf(inputShape) * (p.augmenting ? 2 : 1);
  const fixedBytes = weightBytes + p.batchSize * inputBytes;

  const trained = graphTensors(p.feed.forward);
  const largestTrained = trained.reduce<GraphTensor | undefined>(
    (m, t) => (!m || t.elements > m.elements ? t : m),
    undefined,
  );
  const trainBytes = 4 * ACTIVATION_FACTOR * trained.reduce((a, t) => a + t.elements, 0);
  const inferred = p.feed.prefix ? graphTensors(p.feed.prefix) : [];
  const largestInferred = inferred.reduce<GraphTensor | undefined>(
    (m, t) => (!m || t.elements > m.elements ? t : m),
    undefined,
  );
  const inferBytes = 4 * INFERENCE_FACTOR * (largestInferred?.elements ?? 0);
  const perExampleBytes = Math.max(trainBytes, inferBytes);

  const where = `input ${shapeText(inputShape)}, batch size ${p.batchSize}`;
  if (weightBytes > p.budgetBytes) {
    const sizeOf = (l: tf.layers.Layer) => l.trainableWeights.reduce((a, w) => a + w.read().size, 0);
    const biggest = p.model.layers
      .filter((l) => l.trainable)
      .map((l) => ({ name: l.name, size: sizeOf(l) }))
      .sort((a, b) => b.size - a.size)[0];
    throw new TrainingMemoryError(
      `the trainable weights need about ${gib(weightBytes)} with their gradients and ${p.optimizer} state, ` +
        `over the ${gib(p.budgetBytes)} available for training` +
        (biggest ? ` (the largest layer, '${biggest.name}', has ${biggest.size} trainable parameters)` : '') +
        ': use fewer units or filters in the new layers, freeze more of the base, or train on a backend with more memory',
    );
  }
  const fit = Math.floor((p.budgetBytes - fixedBytes) / perExampleBytes);
  if (fit < 1 && p.budgetBytes - weightBytes - inputBytes >= perExampleBytes) {
    throw new TrainingMemoryError(
      `a batch of ${p.batchSize} inputs ${shapeText(inputShape)} needs about ${gib(p.batchSize * inputBytes)}, ` +
        `which leaves too little of the ${gib(p.budgetBytes)} available for training: lower fit.batchSize`,
    );
  }
  if (fit < 1) {
    const culprit = inferBytes > trainBytes ? largestInferred : largestTrained;
    const layer = culprit
      ? `layer '${culprit.layer.name}' (${culprit.layer.getClassName()}, output ${shapeText(culprit.shape)})`
      : 'the model';
    throw new TrainingMemoryError(
      `a single example does not fit in memory: training it needs about ${gib(perExampleBytes)}, mostly for ${layer}, ` +
        `with ${where}, beside ${gib(fixedBytes)} for weights, optimizer state and the batch, ` +
        `over the ${gib(p.budgetBytes)} available: use a smaller input size (input.size), fewer filters or units ` +
        `in that layer, an earlier cut of the base or more frozen layers; a smaller fit.batchSize only helps ` +
        `the part for the batch`,
    );
  }
  const microBatch = Math.max(1, Math.min(p.batchSize, p.microBatchSize ?? p.batchSize, fit));
  return { microBatch, budgetBytes: p.budgetBytes, fixedBytes, perExampleBytes };
}
