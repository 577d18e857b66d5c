import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * Transferability scores that need no training, from frozen features and labels in closed form:
 * LogME (You, Liu, Wang & Long, "LogME: Practical Assessment of Pre-trained Models for Transfer
 * Learning", ICML 2021) and the leave-one-out accuracy of a k-nearest-neighbour vote. Features
 * are `n x dim` values, example after example.
 */

export interface ClassEvidence {
  /** log p(y | F, alpha, beta) / n at the fixed point. */
  evidence: number;
  alpha: number;
  beta: number;
}

/** The spectrum LogME works in: eigenvalues of F^T F (nonzero part) and F^T y in that basis. */
interface Spectrum {
  /** Eigenvalues s_i of F^T F, at most min(n, dim) of them, clamped at 0. */
  s: Float64Array;
  /** For each class: V^T F^T y_c, one entry per eigenvalue. */
  project: (c: number) => Float64Array;
}

function rows(values: ArrayLike<number>, n: number, dim: number): number[][] {
  if (values.length !== n * dim)
    throw new RangeError(`values has ${values.length} numbers, want ${n} x ${dim}`);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: dim }, (_, j) => values[i * dim + j] as number),
  );
}

/** F F^T in plain loops over the rows (several times faster than a general matrix product here). */
function gram(values: ArrayLike<number>, n: number, dim: number): Matrix {
  if (values.length !== n * dim)
    throw new RangeError(`values has ${values.length} numbers, want ${n} x ${dim}`);
  const f = Float64Array.from(values);
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let d = 0, a = i * dim, b = j * dim; d < dim; d++)
        dot += (f[a + d] as number) * (f[b + d] as number);
      k.set(i, j, dot);
      k.set(j, i, dot);
    }
  }
  return k;
}

/**
 * The eigendecomposition of the smaller of F F^T (n x n) and F^T F (dim x dim): both share their
 * nonzero eigenvalues, and with F = U S V^T, V^T F^T y = S U^T y, so n x n suffices when the
 * features are wider than the examples are many (the usual case here: 1280 or 2048 features of a
 * few hundred examples).
 */
function spectrum(values: ArrayLike<number>, n: number, dim: number, labels: readonly number[]): Spectrum {
  const onehot = (c: number) => Matrix.columnVector(labels.map((l) => (l === c ? 1 : 0)));
  if (n <= dim) {
    const evd = new EigenvalueDecomposition(gram(values, n, dim), { assumeSymmetric: true });
    const s = Float64Array.from(evd.realEigenvalues, (x) => Math.max(0, x));
    const u = evd.eigenvectorMatrix;
    return {
      s,
      project: (c) => {
        const x = u.transpose().mmul(onehot(c)).getColumn(0);
        return Float64Array.from(x, (xi, i) => Math.sqrt(s[i] as number) * xi);
      },
    };
  }
  const f = new Matrix(rows(values, n, dim));
  const evd = new EigenvalueDecomposition(f.transpose().mmul(f), { assumeSymmetric: true });
  const s = Float64Array.from(evd.realEigenvalues, (x) => Math.max(0, x));
  const vt = evd.eigenvectorMatrix.transpose();
  const ft = f.transpose();
  return { s, project: (c) => Float64Array.from(vt.mmul(ft.mmul(onehot(c))).getColumn(0)) };
}

const EPSILON = 1e-5;

/**
 * The evidence of one target (a one-hot class column, |y|^2 = `yy`) at (alpha, beta), with the
 * posterior mean m = beta A^-1 F^T y, A = alpha I + beta F^T F, written in the eigenbasis:
 * D/2 log a + n/2 log b - 1/2 log|A| - b/2 |F m - y|^2 - a/2 |m|^2 - n/2 log 2 pi.
 */
function evidenceAt(
  s: Float64Array,
  tmp: Float64Array,
  yy: number,
  n: number,
  dim: number,
  alpha: number,
  beta: number,
): { evidence: number; gamma: number; mm: number; residual: number } {
  let mm = 0;
  let mt = 0;
  let msm = 0;
  let gamma = 0;
  let logDet = (dim - s.length) * Math.log(alpha);
  for (let i = 0; i < s.length; i++) {
    const si = s[i] as number;
    const mi = (beta * (tmp[i] as number)) / (alpha + beta * si);
    mm += mi * mi;
    mt += mi * (tmp[i] as number);
    msm += si * mi * mi;
    gamma += (beta * si) / (alpha + beta * si);
    logDet += Math.log(alpha + beta * si);
  }
  const residual = Math.max(0, yy - 2 * mt + msm);
  const evidence =
    (dim / 2) * Math.log(alpha) +
    (n / 2) * Math.log(beta) -
    0.5 * logDet -
    (beta / 2) * residual -
    (alpha / 2) * mm -
    (n / 2) * Math.log(2 * Math.PI);
  return { evidence, gamma, mm, residual };
}

/** MacKay's fixed point for alpha and beta (the paper's Algorithm 1), per class. */
function fitClass(s: Float64Array, tmp: Float64Array, yy: number, n: number, dim: number): ClassEvidence {
  let alpha = 1;
  let beta = 1;
  for (let it = 0; it < 50; it++) {
    const lam = alpha / beta;
    const { gamma, mm, residual } = evidenceAt(s, tmp, yy, n, dim, alpha, beta);
    alpha = gamma / (mm + EPSILON);
    beta = (n - gamma) / (residual + EPSILON);
    if (Math.abs(alpha / beta - lam) / lam < 1e-4) break;
  }
  return { evidence: evidenceAt(s, tmp, yy, n, dim, alpha, beta).evidence / n, alpha, beta };
}

/** LogME of each class's one-vs-rest target (the evidence per example at the fixed point). */
export function logMEPerClass(
  values: ArrayLike<number>,
  dim: number,
  labels: readonly number[],
  classes: number,
): ClassEvidence[] {
  const n = labels.length;
  if (n < 2) throw new RangeError('LogME needs at least two examples');
  const sp = spectrum(values, n, dim, labels);
  return Array.from({ length: classes }, (_, c) => {
    const yy = labels.filter((l) => l === c).length;
    return fitClass(sp.s, sp.project(c), yy, n, dim);
  });
}

/** LogME: the mean over classes of the per-example log evidence; higher transfers better. */
export function logME(
  values: ArrayLike<number>,
  dim: number,
  labels: readonly number[],
  classes: number,
): number {
  const per = logMEPerClass(values, dim, labels, classes);
  return per.reduce((sum, e) => sum + e.evidence, 0) / per.length;
}

/**
 * Leave-one-out accuracy of a k-nearest-neighbour vote (cosine similarity of centred features;
 * a tied vote goes to the class of the nearest voter): how well the frozen features put same-class
 * examples together, with no training at all. `hits` of `examples` for a Wilson interval.
 */
export function knnLooAccuracy(
  values: ArrayLike<number>,
  dim: number,
  labels: readonly number[],
  k = 3,
): { accuracy: number; hits: number; examples: number } {
  const n = labels.length;
  if (values.length !== n * dim)
    throw new RangeError(`values has ${values.length} numbers, want ${n} x ${dim}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += (values[i * dim + j] as number) / n;
  const x = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(dim);
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = (values[i * dim + j] as number) - (mean[j] as number);
      row[j] = v;
      norm += v * v;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) row[j]! *= inv;
    return row;
  });
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const sims: Array<[number, number]> = [];
    for (let o = 0; o < n; o++) {
      if (o === i) continue;
      let dot = 0;
      const a = x[i] as Float64Array;
      const b = x[o] as Float64Array;
      for (let j = 0; j < dim; j++) dot += (a[j] as number) * (b[j] as number);
      sims.push([dot, o]);
    }
    sims.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    const votes = new Map<number, number>();
    const voters = sims.slice(0, Math.min(k, sims.length));
    for (const [, o] of voters) votes.set(labels[o] as number, (votes.get(labels[o] as number) ?? 0) + 1);
    const top = Math.max(...votes.values());
    const winner = voters.find(([, o]) => votes.get(labels[o] as number) === top);
    if (winner && labels[winner[1]] === labels[i]) hits++;
  }
  return { accuracy: n === 0 ? NaN : hits / n, hits, examples: n };
}
