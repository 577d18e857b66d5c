import type { ClassAudit, DatasetFinding } from '../../contracts/audit.js';
import { wilsonInterval } from '../../evaluation/index.js';

/**
 * What an audit says of the dataset as a whole: each class's out-of-fold recall (a class the
 * probe keeps taking for another is one the features cannot separate), class imbalance, classes
 * too small to estimate anything, and images far smaller or larger than the base's input.
 */

/** Largest over smallest class at or above this is reported. */
export const IMBALANCE_RATIO = 3;
/** Recall below this: most of the class is taken for another. */
export const INSEPARABLE_RECALL = 0.5;
export const FEW_EXAMPLES = 8;
/** An image smaller than this share of the base's input side is upscaled into a blur. */
export const TOO_SMALL = 0.5;
/** An image larger than this many times the input side costs decoding for nothing. */
export const TOO_LARGE = 8;
const MAX_ITEMS = 50;

export function classAudits(
  names: readonly string[],
  labels: readonly number[],
  predicted: readonly number[],
): ClassAudit[] {
  return names.map((name, c) => {
    let n = 0;
    let hits = 0;
    labels.forEach((l, i) => {
      if (l !== c) return;
      n += 1;
      if (predicted[i] === c) hits += 1;
    });
    const recall = n > 0 ? hits / n : 0;
    const interval = wilsonInterval(hits, n);
    return {
      name,
      examples: n,
      recall: r4(recall),
      recallInterval: { ...interval, low: r4(interval.low), high: r4(interval.high) },
      inseparable: n > 0 && recall < INSEPARABLE_RECALL,
    };
  });
}

export function datasetFindings(
  classes: readonly ClassAudit[],
  images?: {
    ids: readonly string[];
    widths: readonly number[];
    heights: readonly number[];
    input: [number, number];
  },
): DatasetFinding[] {
  const out: DatasetFinding[] = [];
  const sorted = [...classes].sort((a, b) => a.examples - b.examples);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (min && max && min.examples > 0 && max.examples / min.examples >= IMBALANCE_RATIO) {
    out.push({
      kind: 'imbalance',
      message:
        `'${max.name}' has ${max.examples} examples and '${min.name}' only ${min.examples} ` +
        `(${(max.examples / min.examples).toFixed(1)}x): add examples to the small classes, or weigh them`,
      items: [max.name, min.name],
    });
  }
  const few = classes.filter((c) => c.examples < FEW_EXAMPLES);
  if (few.length > 0) {
    out.push({
      kind: 'few-examples',
      message: `${few.length} class(es) have fewer than ${FEW_EXAMPLES} examples: their figures rest on very little`,
      items: few.slice(0, MAX_ITEMS).map((c) => c.name),
    });
  }
  const hard = classes.filter((c) => c.inseparable);
  if (hard.length > 0) {
    out.push({
      kind: 'inseparable',
      message:
        `the probe recalls under ${INSEPARABLE_RECALL * 100}% of ${hard.map((c) => `'${c.name}' (${pct(c.recall)} of ${c.examples})`).join(', ')}: ` +
        'these features hardly tell them from the other classes; check their labels, add examples, or try a deeper cut or another base',
      items: hard.slice(0, MAX_ITEMS).map((c) => c.name),
    });
  }
  if (images) {
    const [h, w] = images.input;
    const small: string[] = [];
    const large: string[] = [];
    images.ids.forEach((id, i) => {
      const iw = images.widths[i] as number;
      const ih = images.heights[i] as number;
      if (iw < w * TOO_SMALL || ih < h * TOO_SMALL) small.push(id);
      else if (iw > w * TOO_LARGE || ih > h * TOO_LARGE) large.push(id);
    });
    if (small.length > 0) {
      out.push({
        kind: 'too-small',
        message:
          `${small.length} of ${images.ids.length} images are under half the base's ${w}x${h} input: ` +
          'they are upscaled, which adds no detail; a base with a smaller input may suit them better',
        items: small.slice(0, MAX_ITEMS),
      });
    }
    if (large.length > 0) {
      out.push({
        kind: 'too-large',
        message: `${large.length} images are over ${TOO_LARGE} times the base's ${w}x${h} input: downscale them before upload to save time`,
        items: large.slice(0, MAX_ITEMS),
      });
    }
  }
  return out;
}

const r4 = (x: number) => Number(x.toFixed(4));
const pct = (x: number) => `${Math.round(x * 100)}%`;
