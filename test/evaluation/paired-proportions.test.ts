import { describe, expect, it } from 'vitest';
import { pairedDifferenceInterval, type PairedCounts } from '../../src/evaluation/paired-proportions.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';

/**
 * n examples scored by two models whose true accuracies are pa and pb; with probability `tie`
 * an example is equally hard for both (one draw decides both), otherwise they err independently.
 * Each model's marginal accuracy stays exactly pa or pb, so the true difference is pb - pa.
 */
function simulate(rand: () => number, n: number, pa: number, pb: number, tie: number): PairedCounts {
  const c: PairedCounts = { both: 0, aOnly: 0, bOnly: 0, neither: 0 };
  for (let i = 0; i < n; i++) {
    const u = rand();
    const a = u < pa;
    const b = rand() < tie ? u < pb : rand() < pb;
    if (a && b) c.both++;
    else if (a) c.aOnly++;
    else if (b) c.bOnly++;
    else c.neither++;
  }
  return c;
}

describe('pairedDifferenceInterval (Newcombe, paired)', () => {
  it('covers the true difference about 95% of the time across sizes and correlations (seeded simulation)', () => {
    const rand = mulberry32(20261205);
    // The last two are our users' case: two versions of one model that agree on most of a
    // small evaluation set. Without Newcombe's correction of phi the n = 20 one covers 0.913.
    const scenarios = [
      { n: 30, pa: 0.7, pb: 0.8, tie: 0.5 },
      { n: 60, pa: 0.6, pb: 0.6, tie: 0.8 },
      { n: 100, pa: 0.85, pb: 0.9, tie: 0.7 },
      { n: 200, pa: 0.5, pb: 0.6, tie: 0.3 },
      { n: 50, pa: 0.9, pb: 0.95, tie: 0.9, nearTotalAgreement: true },
      { n: 20, pa: 0.6, pb: 0.7, tie: 0.9 },
    ];
    const reps = 2000;
    const coverage: number[] = [];
    for (const s of scenarios) {
      let hit = 0;
      for (let r = 0; r < reps; r++) {
        const ci = pairedDifferenceInterval(simulate(rand, s.n, s.pa, s.pb, s.tie));
        if (ci.low <= s.pb - s.pa + 1e-12 && s.pb - s.pa - 1e-12 <= ci.high) hit++;
      }
      coverage.push(hit / reps);
    }
    // Each scenario near 95% or above it, never well below (2000 draws: a binomial standard error
    // of 0.5 points). The interval errs on the safe side, most where both accuracies are near 1
    // and the models agree on almost every example (that scenario measures 0.995): too wide
    // there, never too narrow.
    for (const c of coverage) expect(c).toBeGreaterThan(0.93);
    scenarios.forEach((s, i) => expect(coverage[i]).toBeLessThan(s.nearTotalAgreement ? 0.999 : 0.98));
    const typical = coverage.filter((_, i) => !scenarios[i]!.nearTotalAgreement);
    const mean = typical.reduce((a, b) => a + b, 0) / typical.length;
    expect(mean).toBeGreaterThan(0.945);
    expect(mean).toBeLessThan(0.975);
  });

  it('is narrower when the two models agree on most examples, as paired data allows', () => {
    // Same accuracies (70% and 80% of 100); agreeing models vs models that disagree a lot.
    const agree = pairedDifferenceInterval({ both: 70, aOnly: 0, bOnly: 10, neither: 20 });
    const disagree = pairedDifferenceInterval({ both: 56, aOnly: 14, bOnly: 24, neither: 6 });
    expect(agree.difference).toBeCloseTo(0.1, 10);
    expect(disagree.difference).toBeCloseTo(0.1, 10);
    expect(agree.high - agree.low).toBeLessThan(disagree.high - disagree.low);
    expect(agree.low).toBeGreaterThan(0);
    expect(disagree.low).toBeLessThan(0);
  });

  it('keeps a handful of examples wide even when the two models agree on every one', () => {
    // One model compared with itself on 4 examples, 2 right: phi is 1 without Newcombe's
    // correction of AD - BC, and the interval would shrink to [0, 0].
    const same = pairedDifferenceInterval({ both: 2, aOnly: 0, bOnly: 0, neither: 2 });
    expect(same.difference).toBe(0);
    expect(same.low).toBeLessThan(-0.1);
    expect(same.high).toBeGreaterThan(0.1);
    // More examples of the same agreement: narrower, still on both sides of 0.
    const more = pairedDifferenceInterval({ both: 50, aOnly: 0, bOnly: 0, neither: 50 });
    expect(more.high - more.low).toBeLessThan(same.high - same.low);
    expect(more.low).toBeLessThan(0);
  });

  it('stays inside [-1, 1], says nothing at n = 0, and rejects bad counts', () => {
    const all = pairedDifferenceInterval({ both: 0, aOnly: 0, bOnly: 12, neither: 0 });
    expect(all.difference).toBe(1);
    expect(all.high).toBeLessThanOrEqual(1);
    expect(all.low).toBeGreaterThan(0);
    expect(pairedDifferenceInterval({ both: 0, aOnly: 0, bOnly: 0, neither: 0 })).toMatchObject({
      low: -1,
      high: 1,
      n: 0,
    });
    expect(() => pairedDifferenceInterval({ both: -1, aOnly: 0, bOnly: 0, neither: 0 })).toThrow(RangeError);
  });
});
