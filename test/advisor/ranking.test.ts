import { describe, expect, it } from 'vitest';
import { rank, recommend, type Probed } from '../../src/advisor/ranking.js';
import { planFolds } from '../../src/advisor/sampling.js';
import { wilsonInterval } from '../../src/evaluation/index.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';

/** 5 classes x 16 examples, 10 folds x 3 repeats: the advisor's plan for 80 examples. */
const classes = ['a', 'b', 'c', 'd', 'e'];
const labels = Array.from({ length: 80 }, (_, i) => i % 5);
const plan = planFolds(labels, classes, 7);

/** Per-example outcomes, each example right with probability `p` (per repeat, seeded). */
function outcomes(p: number, seed: number): Uint8Array[] {
  const rng = mulberry32(seed);
  return plan.folds.map(() => Uint8Array.from(labels, () => (rng() < p ? 1 : 0)));
}

function entry(
  cutAt: string,
  outs: Uint8Array[],
  msPerExample: number,
  depth = 1,
  baseModelId = 'bm_000000000000000a',
): Probed {
  const hits = outs.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const accuracy = hits / (outs.length * labels.length);
  const accuracyInterval = wilsonInterval(Math.round(accuracy * 80), 80);
  return {
    base: { baseModelId },
    baseName: baseModelId.endsWith('a') ? 'Big' : 'Small',
    cutAt,
    outcomes: outs,
    accuracy,
    accuracyInterval,
    examples: 80,
    accuracyStd: 0.1,
    logME: -0.5,
    knnAccuracy: accuracy,
    knnInterval: accuracyInterval,
    chance: 0.2,
    atChance: accuracyInterval.low <= 0.2,
    msPerExample,
    featureDim: 8,
    params: 100,
    modelBytes: 400,
    spec: { cutAt },
    depth,
    fineTuneFrom: 'block_below',
  };
}

describe('advisor ranking on paired evidence', () => {
  it('lets cost decide only among real ties: the same outcomes, the cheaper first', () => {
    const same = outcomes(0.8, 1);
    const ranked = rank([entry('slow', same, 50), entry('fast', same, 5, 1, 'bm_000000000000000b')], plan);
    expect(ranked.map((e) => e.cutAt)).toEqual(['fast', 'slow']);
    expect(ranked[1]?.differenceToPick).toMatchObject({ mean: 0, low: 0, high: 0, tied: true });
  });

  it('does not give a cheaper candidate the lead on a tie it cannot show', () => {
    // About 3 points apart on 80 examples: the paired test cannot separate them, but neither does
    // it show them equivalent, so the better estimate stays first.
    const ranked = rank(
      [entry('fast', outcomes(0.78, 2), 5, 1, 'bm_000000000000000b'), entry('slow', outcomes(0.82, 3), 50)],
      plan,
    );
    expect(ranked[0]?.accuracy).toBeGreaterThan(ranked[1]?.accuracy ?? 1);
    expect(ranked[0]?.cutAt).toBe('slow');
  });

  it('says plainly what the slower, better pick buys, and names the fast one if speed matters', () => {
    const ranked = rank(
      [entry('fast', outcomes(0.55, 4), 5, 1, 'bm_000000000000000b'), entry('slow', outcomes(0.9, 5), 40)],
      plan,
    );
    const d = ranked[1]?.differenceToPick;
    expect(d?.tied).toBe(false);
    expect(d?.low).toBeGreaterThan(0);
    const advice = recommend(ranked, plan);
    expect(advice.pick?.cutAt).toBe('slow');
    expect(advice.alternative?.cutAt).toBe('fast');
    expect(advice.alternative?.reason).toMatch(
      /^Big at slow is \d+ points better \(\d+ to \d+\) and 8x slower per example; Small at fast if speed matters$/,
    );
    expect(advice.reason).toMatch(/80 examples, 3x10-fold/);
    expect(advice.reason).toMatch(/, 40 ms per example/);
  });

  it('gives a cheap base its cost in two significant digits, never "0.0 ms"', () => {
    const ranked = rank(
      [entry('tiny', outcomes(0.9, 6), 0.012), entry('other', outcomes(0.5, 7), 0.5)],
      plan,
    );
    expect(recommend(ranked, plan).reason).toMatch(/, 0\.012 ms per example/);
  });

  it('is deterministic: the same entries in any order give the same ranking', () => {
    const es = [0.6, 0.7, 0.7, 0.8, 0.65].map((p, i) => entry(`c${i}`, outcomes(p, 10 + i), 10 + i));
    const order = rank(es, plan).map((e) => e.cutAt);
    expect(rank([...es].reverse(), plan).map((e) => e.cutAt)).toEqual(order);
    expect(rank([es[2]!, es[0]!, es[4]!, es[1]!, es[3]!], plan).map((e) => e.cutAt)).toEqual(order);
  });

  it('recommends fine-tuning only when a lower cut beats the top one beyond its uncertainty', () => {
    const top = entry('top', outcomes(0.6, 20), 10, 9);
    const lowerBetter = entry('lower', outcomes(0.85, 21), 8, 5);
    const yes = recommend(rank([top, lowerBetter], plan), plan);
    expect(yes.fineTune).toBe(true);
    expect(yes.spec?.fineTune).toMatchObject({ unfreezeFrom: 'block_below' });
    // The pick is the lower cut: the advice is about its own top block, not the layers it drops.
    expect(yes.reason).toMatch(
      /; lower leaves them out, and fine-tuning its own top block is worth trying\.$/,
    );
    const { fineTuneFrom: _none, ...noBlock } = lowerBetter;
    const cannot = recommend(rank([top, noBlock], plan), plan);
    expect(cannot.fineTune).toBe(false);
    expect(cannot.spec?.fineTune).toBeUndefined();
    expect(cannot.reason).toMatch(
      /; lower leaves them out and has no block of trainable layers to unfreeze: train the head only\.$/,
    );
    const lowerSame = entry(
      'lower',
      outcomes(0.6, 20).map((r) => Uint8Array.from(r)),
      8,
      5,
    );
    const no = recommend(rank([top, lowerSame], plan), plan);
    expect(no.fineTune).toBe(false);
    expect(no.reason).toMatch(/cannot be told apart/);
  });

  it('says to train the head only, in the one place that advises, when the pick has no block to unfreeze', () => {
    // The top cut beats the lower one: adapting the top block is worth trying, where there is one.
    const top = entry('top', outcomes(0.85, 30), 10, 9);
    const lower = entry('lower', outcomes(0.6, 31), 8, 5);
    const yes = recommend(rank([top, lower], plan), plan);
    expect(yes.pick?.cutAt).toBe('top');
    expect(yes.fineTune).toBe(true);
    expect(yes.spec?.fineTune).toMatchObject({ unfreezeFrom: 'block_below' });
    expect(yes.reason).toMatch(
      /and is not saturated: adapting the top block by fine-tuning is worth trying\.$/,
    );
    const { fineTuneFrom: _a, ...topNoBlock } = top;
    const no = recommend(rank([topNoBlock, lower], plan), plan);
    expect(no.fineTune).toBe(false);
    expect(no.spec?.fineTune).toBeUndefined();
    expect(no.reason).toMatch(
      /and is not saturated, but top has no block of trainable layers to unfreeze: train the head only\.$/,
    );
    // A lower cut beats the top one on the paired probes, yet the top cut ranks first (LogME and
    // the probe together, over four candidates), and it has no block below it to unfreeze.
    const { fineTuneFrom: _b, ...weakTop } = entry('top', outcomes(0.62, 32), 10, 9);
    const ranked = rank(
      [
        { ...weakTop, logME: 2 },
        { ...entry('lower', outcomes(0.9, 33), 8, 5), logME: -2 },
        { ...entry('d', outcomes(0.42, 34), 8, 1, 'bm_000000000000000b'), logME: 1 },
        { ...entry('c', outcomes(0.36, 35), 8, 1, 'bm_000000000000000b'), logME: -5 },
      ],
      plan,
    );
    expect(ranked[0]?.cutAt).toBe('top');
    const advice = recommend(ranked, plan);
    expect(advice.fineTune).toBe(false);
    expect(advice.spec?.fineTune).toBeUndefined();
    expect(advice.reason).toMatch(
      /^Big at top .*lower beats the top cut top by .*; but top has no block of trainable layers to unfreeze: train the head only\.$/,
    );
    expect(advice.reason).not.toMatch(/worth trying/);
  });

  it('orders by probe accuracy and LogME together, those beating chance first', () => {
    const a = { ...entry('a', outcomes(0.8, 40), 10), logME: -0.9 };
    const b = { ...entry('b', outcomes(0.76, 41), 10), logME: 0.5 };
    const c = { ...entry('c', outcomes(0.7, 42), 10), logME: 0 };
    // Probe ranks a 3, b 2, c 1; LogME ranks a 1, b 3, c 2: b leads on the sum.
    const ranked = rank([a, b, c], plan);
    expect(ranked.map((e) => e.cutAt)).toEqual(['b', 'a', 'c']);
    expect(recommend(ranked, plan).reason).toMatch(
      /^Big at b ranks first on probe accuracy and LogME together/,
    );
    // A candidate at chance never leads, whatever its LogME.
    const none = { ...entry('none', outcomes(0.2, 43), 1), logME: 5 };
    expect(rank([none, c], plan)[0]?.cutAt).toBe('c');
  });

  it('picks nothing when the best does not beat chance beyond its interval', () => {
    const advice = recommend(rank([entry('x', outcomes(0.25, 30), 5)], plan), plan);
    expect(advice.pick).toBeNull();
    expect(advice.reason).toMatch(/no candidate beats chance \(20%/);
  });
});
