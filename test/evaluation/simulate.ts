import { mixSeed, mulberry32 } from '../../src/lib/seeded-split.js';

/** Seeded draws for the evaluation simulations: the same seed gives the same datasets everywhere. */
export interface Draws {
  uniform(): number;
  normal(): number;
  binomial(n: number, p: number): number;
  int(below: number): number;
}

export function draws(...seed: number[]): Draws {
  const u = mulberry32(mixSeed(...seed));
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let a = u();
    while (a <= 0) a = u();
    const r = Math.sqrt(-2 * Math.log(a));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  return {
    uniform: u,
    normal,
    binomial(n, p) {
      let k = 0;
      for (let i = 0; i < n; i++) if (u() < p) k++;
      return k;
    },
    int: (below) => Math.floor(u() * below),
  };
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
}
