import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../contracts/job-spec.js';

/**
 * Optimizers and their learning rate. TF.js has no public setter for it: Adam, RMSProp and
 * Adagrad read their (protected) `learningRate` field on every step, while SGD caches `-lr` in a
 * tensor that only `setLearningRate` refreshes. Both are handled here, and the tests check the
 * step size really changes.
 */

export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/** The protected members of TF.js optimizers this module touches. */
interface LearningRateAccess {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as LearningRateAccess).learningRate;
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (!(lr > 0) || !Number.isFinite(lr))
    throw new Error(`learning rate must be a positive number, got ${lr}`);
  const o = optimizer as unknown as LearningRateAccess;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
