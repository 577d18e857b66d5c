import type { FieldError } from '../lib/errors.js';
import type { Task } from '../contracts/task.js';
import type {
  BaseTopology,
  DatasetDescription,
  Dims,
  LayerDescription,
} from '../contracts/model-topology.js';
import { inferLayer, shapeElements, showShape } from '../contracts/layer-shapes.js';
import { defaultCutIndex, findLayer, resolveImageInput } from '../contracts/layer-refs.js';
import {
  CLASSIFICATION_LOSSES,
  type JobSpec,
  type LayerSpec,
  REGRESSION_LOSSES,
} from '../contracts/job-spec.js';

/**
 * Checks of a parsed job spec against the base model and the dataset it names: what the zod
 * schema cannot know. Returns every problem with its field path (relative to the spec, e.g.
 * `cutAt`, `fineTune.unfreezeFrom`, `head.2`) so the API can answer 400 before queueing, and
 * the worker runs them once more before training (the dataset or base may have changed).
 */

/** New layers (head, architecture, output) may not exceed this many parameters. */
export const MAX_NEW_PARAMS = 100_000_000;

const stripBatch = (shape: Dims): Dims => shape.slice(1);

export function validateSpecAgainst(
  spec: JobSpec,
  base: BaseTopology | undefined,
  dataset: DatasetDescription,
): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  const task: Task = dataset.task;
  const classes = dataset.classes.length;

  checkDataset(spec, dataset, task, err);
  checkLoss(spec, task, err);
  checkClassWeight(spec, dataset, task, err);
  checkMonitors(spec, dataset, task, err);

  // The tensor entering the head: the cut layer's output (base) or the model input.
  let features: Dims | undefined;
  const modelInput = resolveModelInput(spec, base, dataset, err);
  if (base) {
    features = checkBaseLayers(spec, base, err);
  } else if (modelInput) {
    features = modelInput;
  }

  let params = 0;
  const names = new Set(base?.layers.map((l) => l.name) ?? []);
  const chain = (layers: LayerSpec[], field: string): boolean => {
    for (const [i, layer] of layers.entries()) {
      if (layer.name !== undefined) {
        if (names.has(layer.name)) err(`${field}.${i}.name`, `layer name '${layer.name}' is already used`);
        names.add(layer.name);
      }
      if (!features) continue;
      const r = inferLayer(layer, features);
      if ('error' in r) {
        err(`${field}.${i}`, r.error);
        features = undefined;
        return false;
      }
      features = r.shape;
      params += r.params;
    }
    return true;
  };
  if (spec.architecture) chain(spec.architecture, 'architecture');
  chain(spec.head, 'head');

  if (features) {
    const n = shapeElements(features);
    if (n === null) {
      err('head', `the output layer needs a known feature size; the head ends with ${showShape(features)}`);
    } else {
      const units = task === 'classification' ? Math.max(classes, 1) : 1;
      params += n * units + units;
      if (params > MAX_NEW_PARAMS) {
        // The field to change: the head when there is one, else what feeds the output layer.
        const field = spec.head.length ? 'head' : spec.architecture ? 'architecture' : 'cutAt';
        const advice =
          field === 'cutAt' ? 'add pooling or cut at a smaller layer' : 'add pooling or use fewer units';
        err(
          field,
          `the new layers would have ${params.toLocaleString('en')} parameters (max ${MAX_NEW_PARAMS.toLocaleString('en')}); ` +
            advice,
        );
      }
    }
  }
  return errors;
}

type Err = (path: string, message: string) => void;

function checkDataset(spec: JobSpec, dataset: DatasetDescription, task: Task, err: Err): void {
  if (task === 'classification' && dataset.classes.length < 2) {
    err('datasetId', `classification needs at least 2 classes; the dataset has ${dataset.classes.length}`);
  }
  if (dataset.kind === 'tabular') {
    if (spec.input) err('input', 'image preprocessing does not apply to a tabular dataset');
    if (spec.augment) err('augment', 'image augmentation does not apply to a tabular dataset');
  }
}

function checkLoss(spec: JobSpec, task: Task, err: Err): void {
  const loss = spec.compile.loss;
  if (!loss) return;
  if (task === 'classification' && (REGRESSION_LOSSES as readonly string[]).includes(loss)) {
    err(
      'compile.loss',
      `${loss} is a regression loss, but this is a classification job; use categoricalCrossentropy`,
    );
  }
  if (task === 'regression' && (CLASSIFICATION_LOSSES as readonly string[]).includes(loss)) {
    err(
      'compile.loss',
      `${loss} is a classification loss, but this is a regression job; use meanSquaredError`,
    );
  }
}

function checkClassWeight(spec: JobSpec, dataset: DatasetDescription, task: Task, err: Err): void {
  const cw = spec.classWeight;
  if (cw === undefined) return;
  if (task === 'regression') {
    err('classWeight', 'class weights apply to classification only');
    return;
  }
  if (cw === 'balanced') return;
  for (const key of Object.keys(cw)) {
    if (!dataset.classes.includes(key)) {
      err(
        `classWeight.${key}`,
        `no class '${key}' in the dataset (classes: ${dataset.classes.slice(0, 20).join(', ')})`,
      );
    }
  }
  const all = dataset.classes.map((c) => cw[c] ?? 1);
  if (all.every((w) => w === 0)) err('classWeight', 'at least one class needs a weight > 0');
}

function checkMonitors(spec: JobSpec, dataset: DatasetDescription, task: Task, err: Err): void {
  const hasValidation = dataset.hasValidation === true || spec.fit.validationSplit > 0;
  for (const name of ['reduceLROnPlateau', 'earlyStopping'] as const) {
    const cb = spec.callbacks[name];
    if (!cb) continue;
    const path = `callbacks.${name}.monitor`;
    const metric = cb.monitor.replace(/^val_/, '');
    if ((metric === 'acc' || metric === 'accuracy') && task === 'regression') {
      err(path, `${cb.monitor} is a classification metric; a regression job reports loss and mae`);
    }
    if (metric === 'mae' && task === 'classification') {
      err(path, `${cb.monitor} is a regression metric; a classification job reports loss and acc`);
    }
    if (cb.monitor.startsWith('val_') && !hasValidation) {
      err(path, `${cb.monitor} needs validation data: set fit.validationSplit > 0 or monitor '${metric}'`);
    }
  }
}

function resolveModelInput(
  spec: JobSpec,
  base: BaseTopology | undefined,
  dataset: DatasetDescription,
  err: Err,
): Dims | undefined {
  const baseIn = base ? stripBatch(base.inputShape) : undefined;
  if (dataset.kind === 'text') return [...dataset.inputShape];
  if (dataset.kind === 'tabular') {
    const n = dataset.inputShape[0] ?? 0;
    if (baseIn && (baseIn.length !== 1 || (baseIn[0] !== null && baseIn[0] !== n))) {
      err('base', `the base model expects input ${showShape(baseIn)}; the tabular dataset has ${n} features`);
      return undefined;
    }
    return [n];
  }
  if (baseIn) {
    if (baseIn.length !== 3) {
      err(
        'base',
        `the base model expects input ${showShape(baseIn)}, not an image [height, width, channels]`,
      );
      return undefined;
    }
    const [h, w, c] = baseIn;
    const size = spec.input?.size;
    if (size && ((h !== null && h !== size[0]) || (w !== null && w !== size[1]))) {
      err('input.size', `the base model takes ${h}x${w} images; input.size is ${size[0]}x${size[1]}`);
    }
    const ch = spec.input?.channels;
    if (ch !== undefined && c !== null && c !== ch) {
      err('input.channels', `the base model takes ${c}-channel images; input.channels is ${ch}`);
    }
    if (c !== null && c !== 1 && c !== 3) {
      err('base', `the base model takes ${c}-channel images; only 1 (greyscale) or 3 (RGB) can be produced`);
    }
  }
  const r = resolveImageInput(spec.input, base?.inputShape, dataset.inputShape);
  return [r.size[0], r.size[1], r.channels];
}

/** Checks cutAt, freeze and fineTune against the base's layers; returns the cut layer's output shape. */
function checkBaseLayers(spec: JobSpec, base: BaseTopology, err: Err): Dims | undefined {
  const layers = base.layers;
  if (layers.length < 2) {
    err('base', 'the base model has no layer to keep besides its output layer');
    return undefined;
  }
  let cut = defaultCutIndex(layers);
  if (spec.cutAt !== undefined) {
    const found = findLayer(layers, spec.cutAt);
    if (typeof found === 'string') {
      err('cutAt', found);
      return undefined;
    }
    cut = found;
  }
  const cutLayer = layers[cut] as LayerDescription;
  if (cutLayer.className === 'InputLayer') {
    err('cutAt', `'${cutLayer.name}' is the input layer: cutting there keeps nothing of the base`);
    return undefined;
  }
  const shape = cutLayer.outputShape;
  if (shape.length > 0 && Array.isArray(shape[0])) {
    err('cutAt', `layer '${cutLayer.name}' has several outputs; cut at a layer with one output`);
    return undefined;
  }
  const kept = cut + 1;
  const cutName = `cutAt '${cutLayer.name}' (layer ${cut})`;

  let frozenEnd = kept;
  const freeze = spec.freeze;
  if (typeof freeze === 'number') {
    if (freeze > kept) err('freeze', `freeze is ${freeze}, but only ${kept} layers are kept (${cutName})`);
    frozenEnd = Math.min(freeze, kept);
  } else if (freeze === 'none') {
    frozenEnd = 0;
  } else if (freeze !== undefined && freeze !== 'all') {
    const found = findLayer(layers, freeze);
    if (typeof found === 'string') err('freeze', found);
    else if (found >= kept) err('freeze', `layer '${freeze}' (layer ${found}) is removed by ${cutName}`);
    else frozenEnd = found + 1;
  }

  const ft = spec.fineTune;
  if (ft) {
    const found = findLayer(layers, ft.unfreezeFrom);
    if (typeof found === 'string') {
      err('fineTune.unfreezeFrom', found);
    } else {
      const name = (layers[found] as LayerDescription).name;
      if (found >= kept) {
        err('fineTune.unfreezeFrom', `layer '${name}' (layer ${found}) is removed by ${cutName}`);
      } else if (found >= frozenEnd) {
        err(
          'fineTune.unfreezeFrom',
          `layer '${name}' (layer ${found}) is not frozen (freeze leaves ${frozenEnd === 0 ? 'no layers' : `layers 0..${frozenEnd - 1}`} frozen), so there is nothing to unfreeze from it`,
        );
      }
    }
  }
  return stripBatch(shape as Dims);
}
