/**
 * The word tokenizer of from-scratch text models: NFKC, lowercase, runs of letters, digits and
 * apostrophes. The same function builds the vocabulary at training time and tokenizes at predict
 * time (and its two lines are repeated in the README of a downloaded model), so they never differ.
 */

const WORD = /[\p{L}\p{N}']+/gu;

export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Id 0 pads, 1 is out-of-vocabulary; vocabulary[i] has id i + 2. */
export const PAD_ID = 0;
export const OOV_ID = 1;

/** The most frequent words (ties by first appearance), at most `max`. */
export function buildVocabulary(texts: Iterable<string>, max: number): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of words(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts]
    .map(([w, c], order) => ({ w, c, order }))
    .sort((a, b) => b.c - a.c || a.order - b.order)
    .slice(0, max)
    .map((e) => e.w);
}

/** `maxLength` ids of a text: the first words, padded with PAD_ID. */
export function wordIds(text: string, index: ReadonlyMap<string, number>, maxLength: number): Float32Array {
  const out = new Float32Array(maxLength);
  const ws = words(text);
  for (let i = 0; i < Math.min(ws.length, maxLength); i++) out[i] = index.get(ws[i] as string) ?? OOV_ID;
  return out;
}

export function vocabularyIndex(vocabulary: readonly string[]): Map<string, number> {
  return new Map(vocabulary.map((w, i) => [w, i + 2]));
}
