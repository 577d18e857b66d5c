import type { EvaluationWarning } from '../contracts/evaluation.js';
import type { ClassificationEvaluation, RegressionEvaluation } from '../contracts/model-meta.js';

/**
 * Warnings a user can act on, read off an evaluation's figures and intervals. Each names the
 * figure, the numbers it rests on and what to do.
 */

/** An accuracy interval wider than this says too little to choose or ship a model on. */
export const WIDE_INTERVAL = 0.2;
/** A holdout (or test split) smaller than this gives intervals of ±0.15 or more. */
export const SMALL_VALIDATION = 30;
/** A recall interval whose low end is below this reaches 0 as a user reads it (two decimals). */
const ZERO = 0.005;

const fmt = (x: number) => x.toFixed(2);

function classificationWarnings(e: ClassificationEvaluation): EvaluationWarning[] {
  const out: EvaluationWarning[] = [];
  const iv = e.accuracyInterval;
  if (iv && iv.high - iv.low > WIDE_INTERVAL) {
    out.push({
      code: 'wide-interval',
      message:
        `accuracy ${fmt(e.accuracy)} could be anywhere from ${fmt(iv.low)} to ${fmt(iv.high)} ` +
        `(${Math.round(iv.level * 100)}% interval on ${e.examples} examples): more examples narrow it`,
    });
  }
  for (const c of e.perClass) {
    if (c.recallInterval && c.support > 0 && c.recallInterval.low < ZERO) {
      out.push({
        code: 'class-recall-may-be-zero',
        message:
          `class '${c.label}': recall ${fmt(c.recall)} (${fmt(c.recallInterval.low)} to ${fmt(c.recallInterval.high)} ` +
          `on ${c.support} examples) may be 0: the model may never recognise it; add examples of it or check its labels`,
      });
    }
  }
  if (e.trainAccuracy !== undefined && iv && Number.isFinite(e.accuracy)) {
    const gap = e.trainAccuracy - e.accuracy;
    if (gap > iv.high - iv.low) {
      out.push({
        code: 'overfitting',
        message:
          `accuracy on the training examples (${fmt(e.trainAccuracy)}) is ${fmt(gap)} above the ` +
          `${e.method === 'cross-validation' ? 'out-of-fold' : 'held-out'} accuracy (${fmt(e.accuracy)}), more than ` +
          `its interval is wide (${fmt(iv.high - iv.low)}): the model memorises its examples; try a smaller head, ` +
          'more dropout or augmentation, or fewer epochs',
      });
    }
  }
  return out;
}

/**
 * The warnings of an evaluation: its accuracy interval wider than 0.2; a class whose recall
 * interval reaches 0; a holdout or test split under 30 examples (`validationSize`, else the
 * examples the figures rest on); train accuracy above the out-of-fold (or held-out) accuracy by
 * more than the interval's width (overfitting). Regression gets the validation-size warning.
 */
export function evaluationWarnings(
  e: ClassificationEvaluation | RegressionEvaluation,
  opts: { validationSize?: number },
): EvaluationWarning[] {
  const out = e.task === 'classification' ? classificationWarnings(e) : [];
  const size = opts.validationSize ?? e.examples;
  if ((e.method === 'holdout' || e.method === 'test-split') && size < SMALL_VALIDATION) {
    out.push({
      code: 'small-validation-set',
      message:
        `the figures rest on ${size} held-out examples (under ${SMALL_VALIDATION}), so they can miss by ` +
        `0.15 or more; cross-validation uses every example`,
    });
  }
  return out;
}
