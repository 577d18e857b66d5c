/**
 * Confident learning (Northcutt, Jiang and Chuang, JAIR 2021; the `cleanlab` library) on
 * out-of-fold predicted probabilities: each class j gets a threshold t_j, the mean probability
 * of j over the examples labelled j (how confident the model is, on average, in that class
 * where the label says it is). An example's confident label is the most probable class among
 * those whose probability reaches their threshold; where that differs from its given label,
 * the example lands off the diagonal of the confident joint and is a likely label error (here
 * only when the given label's probability is also below its own class's threshold, which
 * trades a little recall for precision with the weak probes small data gives).
 * Issues are ranked by the normalised margin (the best other class's probability minus the
 * given label's), which the paper found the most reliable ranking.
 */

export interface LabelIssue {
  index: number;
  /** The confident label. */
  suggested: number;
  /** Probability of the given label. */
  selfConfidence: number;
  /** (best other - given + 1) / 2, in [0, 1]: higher is more certainly wrong. */
  score: number;
}

/** Per-class thresholds t_j (NaN for a class no example is labelled with). */
export function classThresholds(probs: Float32Array, labels: readonly number[], classes: number): number[] {
  const sum = new Array<number>(classes).fill(0);
  const count = new Array<number>(classes).fill(0);
  labels.forEach((l, i) => {
    sum[l]! += probs[i * classes + l] as number;
    count[l]! += 1;
  });
  return sum.map((s, j) => (count[j]! > 0 ? s / count[j]! : NaN));
}

/** Likely label errors, most certain first. `probs` is `labels.length` x `classes`. */
export function findLabelIssues(
  probs: Float32Array,
  labels: readonly number[],
  classes: number,
): LabelIssue[] {
  const t = classThresholds(probs, labels, classes);
  const out: LabelIssue[] = [];
  labels.forEach((given, i) => {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    let confident = -1;
    for (let j = 0; j < classes; j++) {
      const p = row[j] as number;
      if (p >= (t[j] as number) && (confident < 0 || p > (row[confident] as number))) confident = j;
    }
    // Off the diagonal only when the given label is also below its own class's threshold: an
    // example the probe is still fairly sure of as labelled is not called wrong.
    if (confident < 0 || confident === given || (row[given] as number) >= (t[given] as number)) return;
    let other = 0;
    for (let j = 0; j < classes; j++) if (j !== given) other = Math.max(other, row[j] as number);
    const self = row[given] as number;
    out.push({ index: i, suggested: confident, selfConfidence: self, score: (other - self + 1) / 2 });
  });
  return out.sort((a, b) => b.score - a.score);
}
