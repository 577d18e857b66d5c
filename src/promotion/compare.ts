import type { OutOfFoldFile } from '../contracts/evaluation.js';
import { wilsonInterval } from '../evaluation/intervals.js';
import { pairedDifferenceInterval, type PairedCounts } from '../evaluation/paired-proportions.js';

/**
 * Two classifiers compared on the same examples: each one's out-of-fold predictions (the
 * predictions its evaluation rests on, made by a model that never trained on the example) are
 * joined by example id, and only examples whose true label is the same in both are kept (a
 * label fixed between versions would otherwise score one model against a different truth).
 * The difference of accuracies carries Newcombe's paired interval (src/evaluation).
 */

export interface SideAccuracy {
  accuracy: number;
  low: number;
  high: number;
}

export interface PairedComparison {
  examples: number;
  a: SideAccuracy;
  b: SideAccuracy;
  /** b minus a, with its 95% interval. */
  difference: { accuracy: number; low: number; high: number; level: number; method: 'newcombe-paired' };
  counts: PairedCounts;
  /** Examples in both files left out because their label differs between the two datasets. */
  labelChanged: number;
  /** What the interval says: which is better, or that the data can't tell them apart. */
  verdict: 'b-better' | 'a-better' | 'no-clear-difference';
}

interface Outcome {
  truth: string;
  right: boolean;
}

function outcomes(file: OutOfFoldFile): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const p of file.predictions) {
    if (p.label === undefined || p.predicted === undefined) continue;
    out.set(p.exampleId, { truth: file.classes[p.label] ?? String(p.label), right: p.label === p.predicted });
  }
  return out;
}

/** Undefined when no example is in both files with the same label. */
export function compareOutOfFold(a: OutOfFoldFile, b: OutOfFoldFile): PairedComparison | undefined {
  const left = outcomes(a);
  const right = outcomes(b);
  const counts: PairedCounts = { both: 0, aOnly: 0, bOnly: 0, neither: 0 };
  let labelChanged = 0;
  for (const [id, x] of left) {
    const y = right.get(id);
    if (!y) continue;
    if (x.truth !== y.truth) {
      labelChanged++;
      continue;
    }
    if (x.right && y.right) counts.both++;
    else if (x.right) counts.aOnly++;
    else if (y.right) counts.bOnly++;
    else counts.neither++;
  }
  const n = counts.both + counts.aOnly + counts.bOnly + counts.neither;
  if (n === 0) return undefined;
  const side = (hits: number): SideAccuracy => {
    const ci = wilsonInterval(hits, n);
    return { accuracy: hits / n, low: ci.low, high: ci.high };
  };
  const d = pairedDifferenceInterval(counts);
  return {
    examples: n,
    a: side(counts.both + counts.aOnly),
    b: side(counts.both + counts.bOnly),
    difference: { accuracy: d.difference, low: d.low, high: d.high, level: d.level, method: d.method },
    counts,
    labelChanged,
    verdict: d.low > 0 ? 'b-better' : d.high < 0 ? 'a-better' : 'no-clear-difference',
  };
}
