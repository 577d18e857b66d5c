/**
 * What the advisor bench records per draw, and how it judges an ordering of the candidates
 * against the held-out truth: the regret of its top pick and Kendall's tau-b.
 */
import { ranksOf as ranks } from '../src/advisor/ranking.js';
import type { Recommendation } from '../src/contracts/advisor.js';

export interface AdvisorBenchRow {
  base: string;
  cutAt: string;
  /** The advisor's probe: out-of-fold accuracy and its 95% interval. */
  probe: number;
  low: number;
  high: number;
  /** The probe's out-of-fold accuracy on the first repeat of the folds alone (absent in older runs). */
  probeFirstRepeat?: number;
  /** The spec probe: out-of-fold accuracy of the candidate's own learner on the same folds. */
  spec: number;
  logME: number;
  knnAccuracy: number;
  advisorRank: number;
  /** Position (0 first) in the old rule's order. */
  oldRulePosition: number;
  msPerExample: number;
  heldOutAccuracy: number;
  /** Held-out accuracy of the same candidate fit by the early-stopping recipe. */
  heldOutEarlyStopping: number;
}

/** The ways of ordering candidates the bench compares. */
export const METHODS = [
  'advisor',
  'old rule',
  'probe',
  'spec probe',
  'LogME',
  'k-NN',
  'probe + LogME',
  'probe + spec',
  'probe, 1 repeat, + LogME',
] as const;
export type Method = (typeof METHODS)[number];

/**
 * Each ordering's score per candidate (higher = earlier), from a draw's rows. The combinations
 * average two scores' ranks, so neither scale dominates.
 */
export function orderScores(rows: readonly AdvisorBenchRow[]): Record<Method, number[]> {
  const col = (get: (r: AdvisorBenchRow) => number) => rows.map(get);
  const mix = (a: number[], b: number[]) => {
    const ra = ranks(a);
    const rb = ranks(b);
    return ra.map((x, i) => x + rb[i]!);
  };
  return {
    advisor: col((r) => -r.advisorRank),
    'old rule': col((r) => -r.oldRulePosition),
    probe: col((r) => r.probe),
    'spec probe': col((r) => r.spec),
    LogME: col((r) => r.logME),
    'k-NN': col((r) => r.knnAccuracy),
    'probe + LogME': mix(
      col((r) => r.probe),
      col((r) => r.logME),
    ),
    'probe + spec': mix(
      col((r) => r.probe),
      col((r) => r.spec),
    ),
    'probe, 1 repeat, + LogME': mix(
      col((r) => r.probeFirstRepeat ?? NaN),
      col((r) => r.logME),
    ),
  };
}

/** The regret of an ordering's top pick and its Kendall tau against the held-out accuracies. */
export function judge(scores: readonly number[], truth: readonly number[]): { regret: number; tau: number } {
  const best = Math.max(...truth);
  return {
    regret: best - truth[scores.indexOf(Math.max(...scores))]!,
    tau: kendallTau([...scores], [...truth]),
  };
}

export interface AdvisorDraw {
  task: string;
  perClass: number;
  draw: number;
  trainExamples: number;
  heldOutExamples: number;
  folds: number;
  repeats: number;
  /** Forward passes of the training set (one per base) plus the probes of every cut. */
  advisorMs: number;
  /**
   * The advisor's time had it probed on the first repeat of the folds only: the forward passes,
   * the closed-form scores (LogME, k-NN) and each probe's time over its repeats (equal work each).
   */
  advisorOneRepeatMs?: number;
  /** The spec probe's cross-validation of every cut (on top of the forward passes). */
  specProbeMs: number;
  /** One job per candidate: a forward pass of the training set each, plus its head's fit. */
  trainAllMs: number;
  regret: Record<Method, number>;
  tau: Record<Method, number>;
  pick: string;
  best: string;
  recommendation: Recommendation;
  rows: AdvisorBenchRow[];
}

export interface AdvisorBench {
  backend: string;
  plan: string;
  cutsPerBase: number;
  tasks: Array<{ name: string; what: string; pool: number; candidates: number }>;
  draws: AdvisorDraw[];
}

/** Kendall's tau-b between two score lists (ties in either count for neither side). */
export function kendallTau(a: number[], b: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom === 0 ? 0 : (concordant - discordant) / denom;
}
