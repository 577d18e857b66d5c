import type { ModelMeta } from '../contracts/model-meta.js';

export interface Scored {
  label: string;
  score: number;
}

export type Prediction = (Scored & { topK: Scored[] }) | { value: number | number[] };

/** One output row -> the client's view: best label, score and top-k, or a regression value. */
export function formatRow(meta: ModelMeta, row: Float32Array, topK: number): Prediction {
  if (meta.task === 'regression') return { value: row.length === 1 ? row[0]! : Array.from(row) };
  // A single sigmoid unit is P(second class) of a binary classifier.
  const scores = row.length === 1 && meta.labels.length === 2 ? [1 - row[0]!, row[0]!] : Array.from(row);
  const ranked = scores
    .map((score, i) => ({ label: meta.labels[i] ?? String(i), score }))
    .sort((a, b) => b.score - a.score);
  const best = ranked[0] ?? { label: '', score: 0 };
  return { label: best.label, score: best.score, topK: ranked.slice(0, Math.max(1, topK)) };
}
