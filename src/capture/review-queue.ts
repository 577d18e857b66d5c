import type { CapturedItem } from './capture-store.js';

/**
 * Which captured inputs are worth a person's time, most valuable first: uncertainty sampling
 * (a small margin between the two best scores) and novelty (inputs unlike the training data,
 * the model's own "unknown" rule), with diversity: an input that repeats one already queued
 * (the same bytes, or the same answer with scores within DIVERSITY_L1 of it) goes to the back,
 * so that ten frames of one scene do not fill the queue. Pure: the items in, the order out.
 */

export interface ReviewEntry {
  id: string;
  suggestedLabel: string;
  score: number;
  novelty: number | null;
  unknown: boolean;
  /** Top score minus the second: 0 = a coin toss between two classes. */
  margin: number;
  /** 0..1; what the order is by. */
  value: number;
  reason: 'novel' | 'uncertain' | 'confident' | 'repeat';
  capturedAt: string;
}

const DIVERSITY_L1 = 0.05;

interface Scored {
  entry: ReviewEntry;
  hash: string;
  scores: Map<string, number>;
}

/** `threshold`: the model's novelty threshold (undefined: no novelty rule). */
export function reviewOrder(items: CapturedItem[], threshold: number | undefined): ReviewEntry[] {
  const scored: Scored[] = [];
  for (const item of items) {
    const p = item.prediction;
    if (item.review || !('label' in p)) continue;
    const top = p.topK.map((t) => t.score);
    const margin = top.length >= 2 ? top[0]! - top[1]! : Math.abs(2 * p.score - 1);
    const uncertainty = 1 - margin;
    const noveltyValue =
      p.novelty !== undefined && threshold !== undefined && threshold > 0
        ? Math.min(1, p.novelty / (2 * threshold))
        : 0;
    const unknown = p.unknown;
    const value = Math.max(uncertainty, unknown ? Math.max(0.5, noveltyValue) : noveltyValue);
    const reason = unknown ? 'novel' : uncertainty >= 0.5 ? 'uncertain' : 'confident';
    scored.push({
      entry: {
        id: item.id,
        suggestedLabel: p.label,
        score: p.score,
        novelty: p.novelty ?? null,
        unknown,
        margin,
        value,
        reason,
        capturedAt: item.capturedAt,
      },
      hash: item.hash,
      scores: new Map(p.topK.map((t) => [t.label, t.score])),
    });
  }
  // Ties (two novel inputs both past the cap) go to the more novel, then the newer.
  scored.sort(
    (a, b) =>
      b.entry.value - a.entry.value ||
      (b.entry.novelty ?? 0) - (a.entry.novelty ?? 0) ||
      (a.entry.capturedAt < b.entry.capturedAt ? 1 : -1),
  );
  const picked: Scored[] = [];
  const repeats: Scored[] = [];
  for (const s of scored) {
    if (picked.some((q) => isRepeat(s, q))) repeats.push({ ...s, entry: { ...s.entry, reason: 'repeat' } });
    else picked.push(s);
  }
  return [...picked, ...repeats].map((s) => s.entry);
}

function isRepeat(a: Scored, b: Scored): boolean {
  if (a.hash === b.hash) return true;
  if (a.entry.suggestedLabel !== b.entry.suggestedLabel) return false;
  let l1 = 0;
  for (const label of new Set([...a.scores.keys(), ...b.scores.keys()])) {
    l1 += Math.abs((a.scores.get(label) ?? 0) - (b.scores.get(label) ?? 0));
  }
  return l1 <= DIVERSITY_L1 && Math.abs((a.entry.novelty ?? 0) - (b.entry.novelty ?? 0)) <= DIVERSITY_L1;
}
