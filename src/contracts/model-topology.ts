import type { DataKind, Task } from './task.js';

/**
 * What the spec checks (src/jobs/spec-check.ts) and the trainer know of a base model and a
 * dataset: layer names and shapes, not weights or files.
 */

/** A tensor shape with the batch dimension (or any unknown one) as null. */
export type Dims = Array<number | null>;

export interface LayerDescription {
  name: string;
  className: string;
  /** As TF.js reports it, batch dimension first (`[null, 7, 7, 1280]`); nested for multi-output layers. */
  outputShape: Dims | Dims[];
  /** Names of the layers feeding this one (used for the default cutAt when present). */
  inbound?: string[];
}

export interface BaseTopology {
  /** In `model.layers` order: indices in the spec (cutAt, freeze, unfreezeFrom) refer to it. */
  layers: LayerDescription[];
  /** Model input shape with the batch dimension first, e.g. `[null, 224, 224, 3]`. */
  inputShape: Dims;
}

export interface DatasetDescription {
  kind: DataKind;
  task: Task;
  /** Class names in index order (empty for regression). */
  classes: readonly string[];
  /** One example as stored, without the batch dimension: [h, w, c] or [features]. */
  inputShape: readonly number[];
  /** Whether the dataset brings its own validation split (otherwise fit.validationSplit makes one). */
  hasValidation?: boolean;
}
