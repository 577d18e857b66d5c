import { describe, expect, it } from 'vitest';
import { judge, kendallTau, orderScores, parsePlan, type AdvisorBenchRow } from '../../bench/advisor.js';

describe('advisor bench statistics', () => {
  it("Kendall's tau-b: 1 for the same order, -1 reversed, and the tie correction", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [40, 30, 20, 10])).toBe(-1);
    // One tie in the first list: 2 concordant pairs, 0 discordant; n0 = 3 pairs, 1 tied in a,
    // 0 in b: tau-b = (2 - 0) / sqrt((3 - 1) * (3 - 0)).
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 12);
    // One swap among four: 5 concordant, 1 discordant of 6 pairs.
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
  });

  it('reads a plan of size:draws pairs and names a bad one', () => {
    expect(parsePlan('16:2,8:1, 50')).toEqual([
      { perClass: 16, draws: 2 },
      { perClass: 8, draws: 1 },
      { perClass: 50, draws: 1 },
    ]);
    expect(() => parsePlan('16:0')).toThrow(/'16:0' is not size:draws/);
    expect(() => parsePlan('x:2')).toThrow(/size:draws/);
  });

  it('judges an ordering by the regret of its top pick and its tau; combinations add ranks', () => {
    const truth = [0.9, 0.8, 0.95];
    expect(judge([3, 2, 1], truth).regret).toBeCloseTo(0.05, 12);
    expect(judge([1, 0, 2], truth)).toEqual({ regret: 0, tau: 1 });
    const row = (probe: number, logME: number): AdvisorBenchRow => ({
      base: 'b',
      cutAt: 'c',
      probe,
      low: 0,
      high: 1,
      spec: probe,
      logME,
      knnAccuracy: 0,
      advisorRank: 1,
      oldRulePosition: 0,
      msPerExample: 1,
      heldOutAccuracy: 0,
      heldOutEarlyStopping: 0,
    });
    // Probe ranks 1, 2.5, 2.5 (a tie shares its mean rank); LogME ranks 3, 1, 2.
    const s = orderScores([row(0.7, 0.3), row(0.8, -1), row(0.8, 0)]);
    expect(s['probe + LogME']).toEqual([4, 3.5, 4.5]);
    // The one-repeat order reads the first repeat's accuracy, not the mean over repeats.
    const first = (probe: number, once: number, logME: number) => ({
      ...row(probe, logME),
      probeFirstRepeat: once,
    });
    const t = orderScores([first(0.7, 0.9, 0.3), first(0.8, 0.6, -1), first(0.8, 0.7, 0)]);
    expect(t['probe, 1 repeat, + LogME']).toEqual([6, 2, 4]);
  });
});
