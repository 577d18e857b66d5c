/**
 * Statistics over predictions (no TF.js, HTTP, Redis or store): folds and subsets, intervals,
 * and, built on them, the evaluation stored with a model.
 */
export { foldCount, stratifiedFolds, stratifiedSubset } from './folds.js';
export { stratifiedBootstrap, wilsonInterval, type BootstrapOptions } from './intervals.js';
