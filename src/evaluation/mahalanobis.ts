/**
 * Mahalanobis novelty (Lee et al. 2018): class means and one covariance shared by the classes,
 * shrunk towards a scaled identity so that it stays invertible with fewer examples than
 * dimensions (Ledoit & Wolf's target, a fixed weight). The score of an example is its smallest
 * Mahalanobis distance to a class mean. Kept beside the kNN score, which the service uses, for
 * the measurement that chose between them (BENCHMARKS.md).
 */

export interface MahalanobisModel {
  dims: number;
  means: Float64Array[];
  /** Lower Cholesky factor of the shrunk shared covariance, row-major dims x dims. */
  chol: Float64Array;
}

/** Fits class means and the shrunk shared covariance of rows of `dims` features. */
export function fitMahalanobis(
  features: Float32Array,
  labels: readonly number[],
  dims: number,
  shrinkage = 0.1,
): MahalanobisModel {
  const classes = Math.max(...labels) + 1;
  const means = Array.from({ length: classes }, () => new Float64Array(dims));
  const counts = new Array<number>(classes).fill(0);
  labels.forEach((c, i) => {
    counts[c]!++;
    for (let j = 0; j < dims; j++) means[c]![j]! += features[i * dims + j] as number;
  });
  means.forEach((m, c) => m.forEach((v, j) => (m[j] = v / Math.max(1, counts[c]!))));
  const cov = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  labels.forEach((c, i) => {
    for (let j = 0; j < dims; j++) centred[j] = (features[i * dims + j] as number) - means[c]![j]!;
    for (let a = 0; a < dims; a++) {
      const ca = centred[a]!;
      for (let b = 0; b <= a; b++) cov[a * dims + b]! += ca * centred[b]!;
    }
  });
  const n = Math.max(1, labels.length);
  let trace = 0;
  for (let a = 0; a < dims; a++) trace += cov[a * dims + a]! / n;
  const target = Math.max(trace / dims, 1e-9);
  for (let a = 0; a < dims; a++) {
    for (let b = 0; b <= a; b++) {
      const v = (1 - shrinkage) * (cov[a * dims + b]! / n) + (a === b ? shrinkage * target : 0);
      cov[a * dims + b] = v;
    }
  }
  return { dims, means, chol: cholesky(cov, dims) };
}

/** Lower-triangular L with L L^T = the lower triangle of `a` (symmetric positive definite). */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * n + j]!;
    }
  }
  return l;
}

/** Smallest Mahalanobis distance of each row to a class mean. */
export function mahalanobisScores(model: MahalanobisModel, features: Float32Array): number[] {
  const { dims, means, chol } = model;
  const out: number[] = [];
  const y = new Float64Array(dims);
  for (let at = 0; at < features.length; at += dims) {
    let best = Infinity;
    for (const m of means) {
      // Forward substitution: L y = x - mean, then the distance is |y|.
      let ss = 0;
      for (let i = 0; i < dims; i++) {
        let s = (features[at + i] as number) - m[i]!;
        for (let k = 0; k < i; k++) s -= chol[i * dims + k]! * y[k]!;
        y[i] = s / chol[i * dims + i]!;
        ss += y[i]! * y[i]!;
      }
      if (ss < best) best = ss;
    }
    out.push(Math.sqrt(best));
  }
  return out;
}
