import type { CandidateSpec, PairedComparison, Recommendation, RankingEntry } from '../contracts/advisor.js';
import { pairedDifference } from '../evaluation/paired.js';
import type { FoldPlan } from './sampling.js';

/**
 * Orders probed candidates and turns them into advice. The order is the probe's out-of-fold
 * accuracy and LogME together (the sum of each one's rank among the candidates): on the advisor
 * benchmark (BENCHMARKS.md) that order agreed best with the held-out accuracy of the trained
 * specs, with the regret of the probe alone. Differences are judged by the paired test on the
 * shared folds; cost decides only among real ties: a cheaper candidate goes first only when the
 * whole interval of its difference to the first lies within EQUIVALENCE, i.e. it is shown to be
 * as good, not merely not shown to be worse.
 */

/** A difference of accuracy small enough not to matter, for the equivalence that lets cost decide. */
export const EQUIVALENCE = 0.02;
/** How much cheaper an alternative must be to be named "if speed matters". */
const CHEAPER = 1.5;

export type Probed = Omit<RankingEntry, 'rank' | 'differenceToPick'> & {
  /** Out-of-fold correctness per repeat of the shared folds. */
  outcomes: Uint8Array[];
  /** Position of the cut in its base's layers (depth), to compare cuts of one base. */
  depth: number;
  /** Where a fine-tune phase of this candidate would start, if the base has a top block. */
  fineTuneFrom?: string;
  /** Set (its name) for a sentence encoder: a frozen GraphModel, used whole, never fine-tuned. */
  frozenEncoder?: string;
  /** The probed examples' features at this cut, in the plan's order (for the pick's spec probe). */
  features?: { values: Float32Array; dim: number };
};
export type Ranked = Probed & { differenceToPick: PairedComparison | null };

const cost = (e: Probed) => e.msPerExample;
const nameOf = (e: Probed) => `${e.baseName ?? 'the base'} at ${e.cutAt}`;

export function compare(a: Probed, b: Probed, plan: FoldPlan): PairedComparison {
  const d = pairedDifference(a.outcomes, b.outcomes, plan.folds, plan.k);
  const r = (x: number) => Number(x.toFixed(4));
  return {
    mean: r(d.mean),
    low: r(d.low),
    high: r(d.high),
    level: d.level,
    pValue: r(d.pValue),
    tied: d.tied,
  };
}

/** Rank of each value among all (1 = lowest; ties share their mean rank). */
export function ranksOf(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const out = new Array<number>(xs.length).fill(0);
  for (let at = 0; at < order.length;) {
    let end = at;
    while (end + 1 < order.length && order[end + 1]!.x === order[at]!.x) end++;
    for (let j = at; j <= end; j++) out[order[j]!.i] = (at + end) / 2 + 1;
    at = end + 1;
  }
  return out;
}

/**
 * Deterministic: those beating chance first, then probe and LogME ranks together, then accuracy,
 * LogME, cost, and the names.
 */
export function rank(entries: readonly Probed[], plan: FoldPlan): Ranked[] {
  const byProbe = ranksOf(entries.map((e) => e.accuracy));
  const byLogME = ranksOf(entries.map((e) => e.logME));
  const score = new Map(entries.map((e, i) => [e, byProbe[i]! + byLogME[i]!]));
  const sorted = [...entries].sort(
    (a, b) =>
      Number(a.atChance) - Number(b.atChance) ||
      score.get(b)! - score.get(a)! ||
      b.accuracy - a.accuracy ||
      b.logME - a.logME ||
      cost(a) - cost(b) ||
      nameOf(a).localeCompare(nameOf(b)),
  );
  const best = sorted[0];
  if (!best) return [];
  const equivalent = sorted.filter((e) => {
    if (e === best) return true;
    const d = compare(best, e, plan);
    return d.low >= -EQUIVALENCE && d.high <= EQUIVALENCE;
  });
  const pick = [...equivalent].sort((a, b) => cost(a) - cost(b) || a.params - b.params)[0] as Probed;
  return [pick, ...sorted.filter((e) => e !== pick)].map((e) => ({
    ...e,
    differenceToPick: e === pick ? null : compare(pick, e, plan),
  }));
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const pts = (x: number) => (x * 100).toFixed(0);

/** A markedly cheaper candidate than the pick that beats chance, the most accurate of them. */
function speedAlternative(ranked: readonly Ranked[]): Recommendation['alternative'] {
  const pick = ranked[0] as Ranked;
  const alt = ranked.find((e) => e !== pick && !e.atChance && cost(e) * CHEAPER <= cost(pick));
  if (!alt?.differenceToPick) return null;
  const d = alt.differenceToPick;
  const faster = (cost(pick) / Math.max(cost(alt), 1e-6)).toFixed(0);
  const reason = d.tied
    ? `${nameOf(alt)} cannot be told apart from the pick on these ${pick.examples} examples ` +
      `(${pts(d.mean)} points behind, ${pts(d.low)} to ${pts(d.high)}) and is ${faster}x faster per example: ` +
      'take it if speed matters'
    : `${nameOf(pick)} is ${pts(d.mean)} points better (${pts(d.low)} to ${pts(d.high)}) and ${faster}x slower ` +
      `per example; ${nameOf(alt)} if speed matters`;
  return { base: alt.base, cutAt: alt.cutAt, reason };
}

const NO_BLOCK = 'has no block of trainable layers to unfreeze: train the head only';

/**
 * Fine-tuning is worth trying when the paired evidence says a lower cut of the pick's base beats
 * its top cut (the top layers are specialised to the base's original task), or that accuracy
 * still rises towards the top without being near perfect. Not when the frozen features already
 * separate the classes, nor when the cuts cannot be told apart, nor when nothing beats chance; and
 * only where the pick has a block of trainable layers to unfreeze (this function alone says so).
 */
function fineTuneAdvice(ranked: readonly Ranked[], plan: FoldPlan): { fineTune: boolean; why: string } {
  const pick = ranked[0] as Ranked;
  if (pick.frozenEncoder) {
    return {
      fineTune: false,
      why:
        `${pick.frozenEncoder} is a GraphModel encoder, a frozen feature extractor with no layers to cut or ` +
        'unfreeze, so fine-tuning is not possible: train the head on its embeddings' +
        (pick.accuracy >= 0.97
          ? ', which already separate the classes'
          : '; more data or another encoder would add more'),
    };
  }
  const key = JSON.stringify(pick.base);
  const sameBase = ranked.filter((e) => JSON.stringify(e.base) === key).sort((a, b) => b.depth - a.depth);
  const top = sameBase[0] as Ranked;
  const bestLower = sameBase.slice(1).sort((a, b) => b.accuracy - a.accuracy)[0];
  if (pick.accuracyInterval.low >= 0.95) {
    return { fineTune: false, why: 'the frozen features already separate the classes: train the head only' };
  }
  if (bestLower) {
    const down = compare(bestLower, top, plan);
    const diff = `${pts(down.mean)} points (${pts(down.low)} to ${pts(down.high)})`;
    if (!down.tied && down.mean > 0) {
      const evidence =
        `${bestLower.cutAt} beats the top cut ${top.cutAt} by ${diff} on the same folds: the top layers are ` +
        "specialised to the base's original task";
      const worth =
        pick === top
          ? ', so fine-tuning them is worth trying'
          : `; ${pick.cutAt} leaves them out, and fine-tuning its own top block is worth trying`;
      const cannot =
        pick === top ? `; but ${pick.cutAt} ${NO_BLOCK}` : `; ${pick.cutAt} leaves them out and ${NO_BLOCK}`;
      return pick.fineTuneFrom
        ? { fineTune: true, why: evidence + worth }
        : { fineTune: false, why: evidence + cannot };
    }
    if (!down.tied && down.mean < 0) {
      const evidence =
        `the top cut ${top.cutAt} beats ${bestLower.cutAt} by ${pts(-down.mean)} points (${pts(-down.high)} to ` +
        `${pts(-down.low)}) and is not saturated`;
      return pick.fineTuneFrom
        ? { fineTune: true, why: `${evidence}: adapting the top block by fine-tuning is worth trying` }
        : {
            fineTune: false,
            why: `${evidence}, but ${pick.cutAt} ${NO_BLOCK}`,
          };
    }
    return {
      fineTune: false,
      why:
        `the cuts of this base cannot be told apart (${bestLower.cutAt} minus ${top.cutAt}: ${diff}): ` +
        'fine-tuning is unlikely to add more than its uncertainty; more data or another base would',
    };
  }
  return {
    fineTune: false,
    why: 'only one cut of this base was probed, so there is no evidence for fine-tuning',
  };
}

/** The pick is the top entry; its reason, the speed alternative and the fine-tune advice in plain words. */
export function recommend(ranked: readonly Ranked[], plan: FoldPlan): Recommendation {
  const pick = ranked[0];
  if (!pick)
    return {
      pick: null,
      fineTune: false,
      spec: null,
      alternative: null,
      expected: null,
      reason: 'no candidate could be probed',
    };
  if (pick.atChance) {
    return {
      pick: null,
      fineTune: false,
      spec: null,
      alternative: null,
      expected: null,
      reason:
        `no candidate beats chance (${pct(pick.chance)}, always answering the most frequent class): ` +
        `the best, ${pct(pick.accuracy)} (${pct(pick.accuracyInterval.low)} to ${pct(pick.accuracyInterval.high)} ` +
        `on ${pick.examples} examples), is within its uncertainty of it. The frozen features do not separate ` +
        'these classes, the labels may not follow the inputs, or there are too few examples to tell; ' +
        'fine-tuning is unlikely to help until that changes',
    };
  }
  const { fineTune, why } = fineTuneAdvice(ranked, plan);
  const start = fineTune ? pick.fineTuneFrom : undefined;
  const spec: CandidateSpec = start
    ? { ...pick.spec, fineTune: { unfreezeFrom: start, epochs: 5, learningRate: 1e-5 } }
    : pick.spec;
  const runnerUp = ranked[1]?.differenceToPick;
  const lead = runnerUp ? leadText(runnerUp, nameOf(ranked[1] as Ranked)) : '';
  const i = pick.accuracyInterval;
  return {
    pick: { base: pick.base, cutAt: pick.cutAt },
    fineTune,
    spec,
    alternative: speedAlternative(ranked),
    expected: null,
    reason:
      `${nameOf(pick)} ranks first on probe accuracy and LogME together: probe ${pct(pick.accuracy)} (${pct(i.low)} to ${pct(i.high)}, ${pick.examples} ` +
      `examples, ${plan.folds.length}x${plan.k}-fold), chance ${pct(pick.chance)}, ${msText(pick.msPerExample)} ms ` +
      `per example${lead}; ${why}.`,
  };
}

/** How the pick stands against the next candidate, by the paired test of their probes. */
function leadText(d: PairedComparison, next: string): string {
  if (d.tied) {
    return `; the next, ${next}, cannot be told apart from it (${pts(d.mean)} points, ${pts(d.low)} to ${pts(d.high)})`;
  }
  if (d.mean > 0)
    return `; ${pts(d.mean)} points (${pts(d.low)} to ${pts(d.high)}) ahead of the next, ${next}`;
  return `; the next, ${next}, probes ${pts(-d.mean)} points higher (${pts(-d.high)} to ${pts(-d.low)}) but ranks lower on LogME`;
}

/** Milliseconds with two significant digits, so a cheap base never reads "0.0 ms". */
function msText(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms.toPrecision(2);
}
