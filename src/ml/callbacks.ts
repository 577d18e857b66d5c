import type * as tf from '@tensorflow/tfjs';
import type { Monitor } from '../contracts/job-spec.js';
import { getLearningRate, setLearningRate } from './optimizers.js';

/**
 * Keras' ReduceLROnPlateau and EarlyStopping for the trainer's own epoch loop. TF.js ships
 * only an EarlyStopping without weight restoring and no ReduceLROnPlateau at all.
 */

export type MetricKey = 'loss' | 'val_loss' | 'acc' | 'val_acc' | 'mae' | 'val_mae';
export type EpochMetrics = Partial<Record<MetricKey, number>>;

/**
 * The metric a callback watches. Without validation data a `val_*` monitor falls back to its
 * training counterpart (with a warning) rather than silently never triggering.
 */
export function resolveMonitor(
  monitor: Monitor,
  hasValidation: boolean,
): { key: MetricKey; warning?: string } {
  const key = monitor.replace('accuracy', 'acc') as MetricKey;
  if (key.startsWith('val_') && !hasValidation) {
    const fallback = key.slice(4) as MetricKey;
    return {
      key: fallback,
      warning: `no validation data: callbacks monitor '${fallback}' instead of '${monitor}'`,
    };
  }
  return { key };
}

const higherIsBetter = (key: MetricKey) => key.endsWith('acc');

function improved(key: MetricKey, current: number, best: number, minDelta: number): boolean {
  return higherIsBetter(key) ? current > best + minDelta : current < best - minDelta;
}

export interface ReduceLrConfig {
  key: MetricKey;
  factor: number;
  patience: number;
  minLr: number;
  minDelta: number;
  cooldown: number;
}

export class ReduceLROnPlateau {
  private best: number;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(
    private readonly cfg: ReduceLrConfig,
    private readonly optimizer: tf.Optimizer,
  ) {
    this.best = higherIsBetter(cfg.key) ? -Infinity : Infinity;
  }

  /** Returns the new learning rate when it lowered it. */
  onEpochEnd(metrics: EpochMetrics): number | undefined {
    const current = metrics[this.cfg.key];
    if (current === undefined || Number.isNaN(current)) return undefined;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (improved(this.cfg.key, current, this.best, this.cfg.minDelta)) {
      this.best = current;
      this.wait = 0;
      return undefined;
    }
    if (this.cooldownLeft > 0) return undefined;
    this.wait++;
    if (this.wait < this.cfg.patience) return undefined;
    const old = getLearningRate(this.optimizer);
    // Same float32 comparison as Keras, so a rate already at minLr is not "lowered" to itself.
    if (Math.fround(old) <= Math.fround(this.cfg.minLr)) return undefined;
    const next = Math.max(old * this.cfg.factor, this.cfg.minLr);
    setLearningRate(this.optimizer, next);
    this.cooldownLeft = this.cfg.cooldown;
    this.wait = 0;
    return next;
  }
}

/** Copies of the weights that training can change: every weight of every trainable layer. */
export class WeightSnapshot {
  private readonly saved: Array<{ variable: tf.LayerVariable; value: tf.Tensor }>;

  constructor(model: tf.LayersModel) {
    this.saved = model.layers
      .filter((layer) => layer.trainable)
      .flatMap((layer) => layer.weights)
      .map((variable) => ({ variable, value: variable.read().clone() }));
  }

  restore(): void {
    // write() makes the variable share the snapshot's data (ref-counted), so disposing the
    // snapshot afterwards is safe.
    for (const { variable, value } of this.saved) variable.write(value);
  }

  dispose(): void {
    for (const { value } of this.saved) value.dispose();
    this.saved.length = 0;
  }
}

export interface EarlyStoppingConfig {
  key: MetricKey;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

export interface EarlyStoppingOutcome {
  /** The epoch (1-based) after which training stopped early, if it did. */
  stoppedEpoch?: number;
  bestEpoch?: number;
  best?: number;
  /** Set when the weights of `bestEpoch` replaced those of the last epoch. */
  restoredEpoch?: number;
}

export class EarlyStopping {
  private best: number;
  private bestEpoch: number | undefined;
  private wait = 0;
  private stoppedEpoch: number | undefined;
  private snapshot: WeightSnapshot | undefined;

  constructor(
    private readonly cfg: EarlyStoppingConfig,
    private readonly model: tf.LayersModel,
  ) {
    this.best = higherIsBetter(cfg.key) ? -Infinity : Infinity;
  }

  /** Returns true when training should stop. */
  onEpochEnd(epoch: number, metrics: EpochMetrics): boolean {
    const current = metrics[this.cfg.key];
    if (current === undefined || Number.isNaN(current)) return false;
    if (improved(this.cfg.key, current, this.best, this.cfg.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.cfg.restoreBestWeights) {
        this.snapshot?.dispose();
        this.snapshot = new WeightSnapshot(this.model);
      }
      return false;
    }
    this.wait++;
    if (this.wait >= Math.max(this.cfg.patience, 1)) {
      this.stoppedEpoch = epoch;
      return true;
    }
    return false;
  }

  /**
   * Called once after the phase's last epoch. Restores the best epoch's weights whenever the
   * last epoch was not the best, stopped early or not: the model a job returns is its best.
   */
  finish(lastEpoch: number): EarlyStoppingOutcome {
    const out: EarlyStoppingOutcome = {};
    if (this.stoppedEpoch !== undefined) out.stoppedEpoch = this.stoppedEpoch;
    if (this.bestEpoch !== undefined) {
      out.bestEpoch = this.bestEpoch;
      out.best = this.best;
    }
    if (this.snapshot && this.bestEpoch !== undefined && this.bestEpoch !== lastEpoch) {
      this.snapshot.restore();
      out.restoredEpoch = this.bestEpoch;
    }
    this.dispose();
    return out;
  }

  dispose(): void {
    this.snapshot?.dispose();
    this.snapshot = undefined;
  }
}
