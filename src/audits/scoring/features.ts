/** Rows minus their mean row, scaled to unit length: the space duplicates and outliers are judged in. */
export function centredUnitRows(values: Float32Array, dim: number): Float32Array {
  const n = values.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += values[i * dim + j] as number;
  for (let j = 0; j < dim; j++) mean[j]! /= Math.max(1, n);
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      const v = (values[i * dim + j] as number) - (mean[j] as number);
      out[i * dim + j] = v;
      ss += v * v;
    }
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j]! *= inv;
  }
  return out;
}

/** Mean out-of-fold probabilities over repeats, and each example's most probable class. */
export function meanProbabilities(
  repeats: readonly Float32Array[],
  classes: number,
): { probs: Float32Array; predicted: number[] } {
  const probs = new Float32Array(repeats[0]?.length ?? 0);
  for (const r of repeats) for (let i = 0; i < r.length; i++) probs[i]! += (r[i] as number) / repeats.length;
  const predicted: number[] = [];
  for (let i = 0; i < probs.length / classes; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++)
      if ((probs[i * classes + j] as number) > (probs[i * classes + best] as number)) best = j;
    predicted.push(best);
  }
  return { probs, predicted };
}

/**
 * Each row minus its own mean, scaled to unit length: the dot product of two such rows is their
 * normalised cross-correlation, blind to brightness and contrast. On small greyscale thumbnails
 * it is what tells a resized or recompressed copy from a look-alike.
 */
export function selfCentredUnitRows(values: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let at = 0; at < values.length; at += dim) {
    let mean = 0;
    for (let j = 0; j < dim; j++) mean += values[at + j] as number;
    mean /= dim;
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      const v = (values[at + j] as number) - mean;
      out[at + j] = v;
      ss += v * v;
    }
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j++) out[at + j]! *= inv;
  }
  return out;
}

/**
 * Each greyscale `size` x `size` image smoothed by a 3x3 box filter (edges average what they
 * have): resampling and compression leave different pixel-level noise on two copies of one image,
 * and the smoothing takes most of it away before they are compared.
 */
export function boxBlur(values: Float32Array, size: number): Float32Array {
  const out = new Float32Array(values.length);
  const area = size * size;
  for (let at = 0; at < values.length; at += area) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let s = 0;
        let c = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue;
            s += values[at + yy * size + xx] as number;
            c++;
          }
        }
        out[at + y * size + x] = s / c;
      }
    }
  }
  return out;
}

/**
 * Candidate neighbours (found cheaply: coarse thumbnails, embeddings) scored again by a finer
 * measure `score(i, j)`; candidates below `minCandidate` drop out. Sorted again, most similar
 * first.
 */
export function rescoreNeighbours(
  candidates: { index: Int32Array; similarity: Float32Array; k: number },
  minCandidate: number,
  score: (i: number, j: number) => number,
): { index: Int32Array; similarity: Float32Array; k: number } {
  const { k } = candidates;
  const n = candidates.index.length / Math.max(1, k);
  const index = new Int32Array(candidates.index.length);
  const similarity = new Float32Array(candidates.index.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const row: Array<[number, number]> = [];
    for (let r = 0; r < k; r++) {
      if ((candidates.similarity[i * k + r] as number) < minCandidate) continue;
      const j = candidates.index[i * k + r] as number;
      row.push([j, score(i, j)]);
    }
    row.sort((a, b) => b[1] - a[1]);
    row.forEach(([j, s], r) => {
      index[i * k + r] = j;
      similarity[i * k + r] = s;
    });
  }
  return { index, similarity, k };
}

/** The dot product of rows i and j of `rows` (their cosine, for unit rows). */
export function rowDot(rows: Float32Array, dim: number): (i: number, j: number) => number {
  return (i, j) => {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += (rows[i * dim + d] as number) * (rows[j * dim + d] as number);
    return dot;
  };
}

/**
 * Jaccard similarity of two texts' sets of word pairs (shingles of two words): a forwarded copy
 * or one with a line added keeps nearly all its pairs, while two mails from one template share
 * far fewer. Embeddings find the candidates; this is what confirms a text near-duplicate.
 */
export function shingleJaccard(tokenised: readonly (readonly string[])[]): (i: number, j: number) => number {
  const sets = tokenised.map((w) => {
    const s = new Set<string>();
    for (let k = 0; k + 1 < w.length; k++) s.add(`${w[k]} ${w[k + 1]}`);
    if (w.length === 1) s.add(w[0] as string);
    return s;
  });
  return (i, j) => {
    const a = sets[i] as Set<string>;
    const b = sets[j] as Set<string>;
    if (a.size === 0 && b.size === 0) return 1;
    let both = 0;
    for (const x of a) if (b.has(x)) both++;
    return both / (a.size + b.size - both);
  };
}
