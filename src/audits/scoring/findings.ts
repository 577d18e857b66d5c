import type { AuditFinding } from '../../contracts/audit.js';
import type { LabelIssue } from './confident-learning.js';
import type { DuplicatePair, Split } from './duplicates.js';
import type { Outlier } from './outliers.js';

/** The audit's per-example findings in words, from the scores of each detector. */

export interface ExampleNames {
  keys: readonly string[];
  labels: readonly number[];
  splits: readonly Split[];
  classes: readonly string[];
}

export function labelFindings(ex: ExampleNames, issues: readonly LabelIssue[]): AuditFinding[] {
  return issues.map((i) => {
    const given = ex.classes[ex.labels[i.index] as number] as string;
    const suggested = ex.classes[i.suggested] as string;
    return {
      kind: 'label',
      exampleId: ex.keys[i.index] as string,
      label: given,
      split: ex.splits[i.index] as Split,
      score: r4(i.score),
      reason:
        `labelled '${given}', but a probe that never saw it gives '${given}' only ` +
        `${pct(i.selfConfidence)} and is confident it is '${suggested}'`,
      action: 'relabel',
      suggestedLabel: suggested,
    };
  });
}

export function duplicateFindings(ex: ExampleNames, pairs: readonly DuplicatePair[]): AuditFinding[] {
  return pairs.map((p) => {
    const label = ex.classes[ex.labels[p.copy] as number] as string;
    const other = ex.classes[ex.labels[p.original] as number] as string;
    const split = ex.splits[p.copy] as Split;
    const otherSplit = ex.splits[p.original] as Split;
    const what = p.exact ? 'an exact copy' : `a near copy (cosine ${p.similarity.toFixed(3)})`;
    const of = `'${ex.keys[p.original]}' (${otherSplit}, '${other}')`;
    const reason = p.leak
      ? `${what} of ${of} in another split: every figure measured on the ${split} split counts it as unseen`
      : `${what} of ${of}`;
    const conflict = p.conflict ? `; the two are labelled differently ('${label}' and '${other}')` : '';
    return {
      kind: p.leak ? 'leak' : 'duplicate',
      exampleId: ex.keys[p.copy] as string,
      label,
      split,
      score: r4(p.similarity),
      reason: reason + conflict,
      action: p.conflict ? 'review' : 'exclude',
      pair: {
        exampleId: ex.keys[p.original] as string,
        label: other,
        split: otherSplit,
        similarity: r4(p.similarity),
      },
      exact: p.exact,
      conflict: p.conflict,
    };
  });
}

export function outlierFindings(ex: ExampleNames, outliers: readonly Outlier[]): AuditFinding[] {
  return outliers.map((o) => ({
    kind: 'outlier',
    exampleId: ex.keys[o.index] as string,
    label: ex.classes[ex.labels[o.index] as number] as string,
    split: ex.splits[o.index] as Split,
    score: r4(o.z),
    reason:
      `far from every other example (nearest-neighbour distance ${o.distance.toFixed(3)}, ` +
      `${o.z.toFixed(1)} robust deviations above the dataset's median): it may belong to no class`,
    action: 'review',
  }));
}

const r4 = (x: number) => Number(x.toFixed(4));
const pct = (x: number) => `${Math.round(x * 100)}%`;
