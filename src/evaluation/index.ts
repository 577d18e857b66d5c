/**
 * Statistics over predictions (no TF.js, HTTP, Redis or store): folds and subsets, intervals,
 * and, built on them, the evaluation stored with a model, its warnings, the learning curve's
 * forecast and the refit's epochs.
 */
export { foldCount, stratifiedFolds, stratifiedSubset } from './folds.js';
export { stratifiedBootstrap, wilsonInterval, type BootstrapOptions } from './intervals.js';
export { classificationEstimate, type ClassificationEstimateOptions } from './classification.js';
export { regressionEstimate, type RegressionEstimateOptions } from './regression.js';
export { evaluationWarnings } from './warnings.js';
export { refitEpochs } from './epochs.js';
export { forecastFromCurve, type ForecastOptions } from './learning-curve.js';
export {
  calibrate,
  calibrationReport,
  expectedCalibrationError,
  fitTemperature,
  type CalibrationInput,
} from './calibration.js';
export {
  DEFAULT_ACCEPT_RATE,
  MAX_REFERENCES,
  auroc,
  knnDistances,
  neighboursFor,
  normalizeRows,
  noveltyQuantiles,
  stratifiedCap,
  thresholdAt,
  thresholdFromQuantiles,
} from './novelty.js';
