/**
 * Per-column mean and variance in one streaming pass (Welford's method: no catastrophic
 * cancellation when values are large and their spread is small).
 */
export class RunningStats {
  private n = 0;
  private readonly means: Float64Array;
  private readonly m2: Float64Array;

  constructor(readonly columns: number) {
    this.means = new Float64Array(columns);
    this.m2 = new Float64Array(columns);
  }

  get count(): number {
    return this.n;
  }

  /** Adds one row: `columns` values of `data` starting at `offset`. */
  push(data: ArrayLike<number>, offset = 0): void {
    this.n++;
    for (let j = 0; j < this.columns; j++) {
      const v = data[offset + j] as number;
      const d = v - (this.means[j] as number);
      this.means[j] = (this.means[j] as number) + d / this.n;
      this.m2[j] = (this.m2[j] as number) + d * (v - (this.means[j] as number));
    }
  }

  mean(): number[] {
    return Array.from(this.means);
  }

  /** Population standard deviation per column. */
  std(): number[] {
    return Array.from(this.m2, (m) => (this.n > 0 ? Math.sqrt(m / this.n) : 0));
  }
}
