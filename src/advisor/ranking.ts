import type { CandidateSpec, Recommendation, RankingEntry } from '../contracts/advisor.js';

/**
 * Orders probe results and turns them into advice. Accuracy decides, but two candidates whose
 * accuracies lie within the spread of the better one (its fold standard deviation) are a tie the
 * probe cannot resolve, so the cheaper one (forward milliseconds per example, then parameters)
 * goes first.
 */

export type Probed = Omit<RankingEntry, 'rank'> & {
  /** Position of the cut in its base's layers (depth), to compare cuts of one base. */
  depth: number;
  /** Where a fine-tune phase of this candidate would start, if the base has a top block. */
  fineTuneFrom?: string;
  /** Set (its name) for a sentence encoder: a frozen GraphModel, used whole, never fine-tuned. */
  frozenEncoder?: string;
};

const cost = (e: Probed) => e.msPerExample;

export function rank(entries: readonly Probed[]): Probed[] {
  const left = [...entries].sort((a, b) => b.accuracy - a.accuracy || cost(a) - cost(b));
  const out: Probed[] = [];
  while (left.length > 0) {
    const best = left[0] as Probed;
    const spread = Math.max(best.accuracyStd, 1e-9);
    const ties = left.filter((e) => best.accuracy - e.accuracy <= spread);
    ties.sort((a, b) => cost(a) - cost(b) || a.params - b.params || b.accuracy - a.accuracy);
    const first = ties[0] as Probed;
    out.push(first);
    left.splice(left.indexOf(first), 1);
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/**
 * The pick is the top entry. Fine-tuning is worth trying when the pick's base does better at a
 * lower cut than at its top one (the top layers are specialised to the base's original task),
 * or when accuracy still rises towards the top cut without being near perfect (the features are
 * relevant but not yet enough). It is not when the frozen features already separate the
 * classes, or when nothing beats chance (with this little signal, training more layers mostly
 * fits noise).
 */
export function recommend(ranked: readonly Probed[]): Recommendation {
  const pick = ranked[0];
  if (!pick || pick.atChance) {
    return {
      pick: null,
      fineTune: false,
      spec: null,
      reason:
        ranked.length === 0
          ? 'no candidate could be probed'
          : `no candidate beats chance (${pct(ranked[0]?.chance ?? 0)}, always answering the most frequent class) ` +
            'by more than its spread: the frozen features do not separate these classes, the labels may not follow ' +
            'the inputs, or there are too few examples to tell; fine-tuning is unlikely to help until that changes',
    };
  }
  const sameBase = ranked
    .filter((e) => JSON.stringify(e.base) === JSON.stringify(pick.base))
    .sort((a, b) => b.depth - a.depth);
  const top = sameBase[0] as Probed;
  const bestLower = sameBase.slice(1).sort((a, b) => b.accuracy - a.accuracy)[0];
  const where = `${pick.baseName ?? 'the base'} at ${pick.cutAt}`;
  let fineTune = false;
  let why: string;
  if (pick.frozenEncoder) {
    why =
      `${pick.frozenEncoder} is a GraphModel encoder, a frozen feature extractor with no layers to cut or ` +
      'unfreeze, so fine-tuning is not possible: train the head on its embeddings' +
      (pick.accuracy >= 0.97
        ? ', which already separate the classes'
        : '; more data or another encoder would add more');
  } else if (pick.accuracy >= 0.97) {
    why = `the frozen features already separate the classes (${pct(pick.accuracy)} ± ${pct(pick.accuracyStd)}): train the head only`;
  } else if (bestLower && bestLower.accuracy - top.accuracy > Math.max(top.accuracyStd, 0.02)) {
    fineTune = true;
    why =
      `accuracy falls from ${pct(bestLower.accuracy)} at ${bestLower.cutAt} to ${pct(top.accuracy)} at the top cut ` +
      `${top.cutAt}: the top layers are specialised to the base's original task, so fine-tuning them is worth trying`;
  } else if (bestLower && top.accuracy - bestLower.accuracy > Math.max(bestLower.accuracyStd, 0.02)) {
    fineTune = true;
    why =
      `accuracy rises from ${pct(bestLower.accuracy)} at ${bestLower.cutAt} to ${pct(top.accuracy)} at ${top.cutAt} ` +
      `and is not saturated: adapting the top block by fine-tuning is worth trying`;
  } else {
    why =
      `accuracy is about flat across the cuts of this base (${sameBase.map((e) => `${e.cutAt} ${pct(e.accuracy)}`).join(', ')}): ` +
      'fine-tuning is unlikely to add much; more data or another base would';
  }
  const start = fineTune ? pick.fineTuneFrom : undefined;
  if (fineTune && !start) {
    fineTune = false;
    why += ' (but this cut has no block below it to unfreeze)';
  }
  const spec: CandidateSpec = start
    ? { ...pick.spec, fineTune: { unfreezeFrom: start, epochs: 5, learningRate: 1e-5 } }
    : pick.spec;
  return {
    pick: { base: pick.base, cutAt: pick.cutAt },
    fineTune,
    spec,
    reason:
      `${where} probes best (${pct(pick.accuracy)} ± ${pct(pick.accuracyStd)}, chance ${pct(pick.chance)}, ` +
      `${pick.msPerExample.toFixed(1)} ms per example); ${why}.`,
  };
}
