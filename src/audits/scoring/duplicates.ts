/**
 * Duplicates and leaks. Exact duplicates share a content hash (an image's bytes, a text after
 * case and spacing are normalised, a table row's values). Near duplicates (a resized or
 * recompressed copy, a text with a word changed) are pairs whose mean-centred, unit-length
 * features have a cosine similarity at or above a threshold: centring removes what every
 * example of the dataset shares, so that only the content that tells examples apart counts.
 * A pair is a conflict when its two labels differ, and a leak when its two examples sit in
 * different splits (a validation or test example copying a training one).
 */

export type Split = 'train' | 'validation' | 'test';

export interface DuplicatePair {
  /** The example kept as the original: in train when either is, else the first. */
  original: number;
  /** The copy: the one a fix would exclude. */
  copy: number;
  similarity: number;
  exact: boolean;
  conflict: boolean;
  leak: boolean;
}

export interface DuplicateInput {
  hashes: readonly string[];
  labels: readonly number[];
  splits: readonly Split[];
  /** Each example's nearest others (indices and cosine similarities), `k` per example. */
  neighbours: { index: Int32Array; similarity: Float32Array; k: number };
  threshold: number;
}

/** Every duplicate pair, each copy named once (with its most similar original). */
export function findDuplicates(input: DuplicateInput): DuplicatePair[] {
  const { hashes, labels, splits, neighbours, threshold } = input;
  const pairs = new Map<string, DuplicatePair>();
  const add = (a: number, b: number, similarity: number, exact: boolean) => {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const key = `${lo}:${hi}`;
    if (pairs.has(key)) return;
    // The training copy is the original; between two of the same split, the earlier one.
    const loTrain = splits[lo] === 'train';
    const hiTrain = splits[hi] === 'train';
    const [original, copy] = hiTrain && !loTrain ? [hi, lo] : [lo, hi];
    pairs.set(key, {
      original,
      copy,
      similarity,
      exact,
      conflict: labels[lo] !== labels[hi],
      leak: splits[lo] !== splits[hi],
    });
  };
  const byHash = new Map<string, number[]>();
  hashes.forEach((h, i) => byHash.set(h, [...(byHash.get(h) ?? []), i]));
  for (const group of byHash.values()) {
    for (let a = 0; a < group.length; a++)
      for (let b = a + 1; b < group.length; b++) add(group[a]!, group[b]!, 1, true);
  }
  const { index, similarity, k } = neighbours;
  for (let i = 0; i < labels.length; i++) {
    for (let r = 0; r < k; r++) {
      const s = similarity[i * k + r] as number;
      if (s < threshold) break;
      add(i, index[i * k + r] as number, Math.min(1, s), false);
    }
  }
  // One finding per copy: its most similar (exact first) original.
  const best = new Map<number, DuplicatePair>();
  for (const p of pairs.values()) {
    const had = best.get(p.copy);
    if (!had || rank(p) > rank(had)) best.set(p.copy, p);
  }
  // A copy that is itself some other copy's original stays flagged: excluding both keeps one.
  return [...best.values()].sort((a, b) => rank(b) - rank(a) || a.copy - b.copy);
}

const rank = (p: DuplicatePair): number => (p.exact ? 2 : 0) + p.similarity;
