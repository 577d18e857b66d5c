/**
 * The evaluation statistics on simulations where the truth is known (test/evaluation/
 * gaussian-task.ts), 400 datasets per size by default; the tests run the first 100 of the same
 * datasets. Pure TypeScript, seeded, no TF.js. A section of `npm run bench:evaluation`.
 */
import { forecastFromCurve } from '../src/evaluation/index.js';
import { powerLaw, simulatedCurve } from '../test/evaluation/curves.js';
import { holdoutTrial, simulate, trial } from '../test/evaluation/gaussian-task.js';
import type { BenchSection } from './report.js';

const SIZES = [8, 16, 50];
const bands: Array<[string, number, number]> = [
  ['< 0.6', 0, 0.6],
  ['0.6 to 0.75', 0.6, 0.75],
  ['0.75 to 0.9', 0.75, 0.9],
  ['>= 0.9', 0.9, 1.01],
];
const f = (x: number, d = 2) => x.toFixed(d);

interface Row {
  hit: boolean;
  f1Hit: boolean;
  err: number;
  width: number;
  truth: number;
}

interface Stats {
  coverage: number;
  mae: number;
  bias: number;
  width: number;
  f1Coverage: number;
}

function stats(rows: readonly Row[]): Stats {
  const mean = (g: (r: Row) => number) => rows.reduce((a, r) => a + g(r), 0) / rows.length;
  return {
    coverage: mean((r) => +r.hit),
    mae: mean((r) => Math.abs(r.err)),
    bias: mean((r) => r.err),
    width: mean((r) => r.width),
    f1Coverage: mean((r) => +r.f1Hit),
  };
}

function cvRows(perClass: number, datasets: number): Row[] {
  const rows: Row[] = [];
  for (let s = 1; s <= datasets; s++) {
    const t = trial(s, perClass);
    const iv = t.estimate.accuracyInterval!;
    const f1 = t.estimate.macroF1Interval!;
    rows.push({
      hit: iv.low <= t.trueAccuracy && t.trueAccuracy <= iv.high,
      f1Hit: f1.low <= t.trueMacroF1 && t.trueMacroF1 <= f1.high,
      err: t.estimate.accuracy - t.trueAccuracy,
      width: iv.high - iv.low,
      truth: t.trueAccuracy,
    });
  }
  return rows;
}

const statCells = (s: Stats) => [f(s.coverage), f(s.mae, 3), f(s.bias, 3), f(s.width), f(s.f1Coverage)];

function coverageSections(datasets: number): BenchSection[] {
  const cv = SIZES.map((n) => ({ n, rows: cvRows(n, datasets) }));
  const holdout = SIZES.map((n) => ({ n, h: simulate(n, datasets, 1, holdoutTrial) }));
  const all = new Map(cv.map(({ n, rows }) => [n, stats(rows)]));
  const tested = new Map(cv.map(({ n, rows }) => [n, stats(rows.slice(0, 100))]));
  const at8 = all.get(8)!;
  const hold8 = holdout[0]!.h;
  const bandStats = (rows: Row[], lo: number, hi: number) => {
    const rs = rows.filter((r) => r.truth >= lo && r.truth < hi);
    return rs.length === 0 ? undefined : { ...stats(rs), count: rs.length };
  };
  const middling = bands
    .slice(1, 3)
    .map(([name, lo, hi]) => ({ name, s: bandStats(cv[0]!.rows, lo, hi) }))
    .filter((b) => b.s !== undefined);
  const meets = at8.coverage >= 0.9 && at8.mae <= 0.05;
  return [
    {
      title: 'Evaluation statistics: coverage on simulations',
      description: `Seeded simulations (pure TypeScript, no TF.js; \`test/evaluation/\` checks the first 100 datasets of each case). Each dataset: 6 Gaussian classes in 4 dimensions, class means drawn per dataset (true accuracies from about 0.5 to 1), n examples per class; a nearest-class-mean classifier; 5-fold stratified cross-validation gives out-of-fold predictions and \`classificationEstimate\` gives the estimate and its 95% Wilson interval; the truth is the accuracy of the model refit on all 6n examples (the one a cross-validated job returns), measured on 12,000 fresh examples. For the holdout rows, 20% of each class is held out and the truth is that of the model trained on the other 80% (the one a holdout job returns). Macro-F1 coverage is of the refit model's true macro-F1 by the stratified bootstrap interval.`,
      columns: [
        'examples per class',
        'datasets',
        'coverage of accuracy (95%)',
        'MAE',
        'bias',
        'mean width',
        'macro-F1 coverage',
      ],
      rows: [
        ...cv.map(({ n }) => [String(n), String(datasets), ...statCells(all.get(n)!)]),
        ...holdout.map(({ n, h }) => [
          `${n}, 20% holdout`,
          String(datasets),
          ...statCells({
            coverage: h.coverage,
            mae: h.mae,
            bias: h.bias,
            width: h.meanWidth,
            f1Coverage: h.macroF1Coverage,
          }),
        ]),
      ],
      notes: [
        `The issue's targets (coverage at least 0.90, MAE at most 0.05 at 8 per class) ${meets ? 'hold' : 'are missed'} over the mix: ${f(at8.coverage)} and ${f(at8.mae, 3)} on ${datasets} datasets; on the 100 the test runs, ${SIZES.map((n) => `${f(tested.get(n)!.coverage)} and ${f(tested.get(n)!.mae, 3)} at ${n}`).join(', ')} per class.`,
        `At 8 per class the MAE by true accuracy (next table) is ${middling.map((b) => `${f(b.s!.mae, 3)} for true accuracy ${b.name}`).join(' and ')}: near the floor of any estimate from 48 predictions, not a flaw of the method (the binomial standard deviation alone is sqrt(0.75 · 0.25 / 48) = 0.063, an MAE of about 0.05). Only more examples (or more classes) lower it; the interval says so (and the \`wide-interval\` warning).`,
        `Cross-validation against a 20% holdout at 8 per class: MAE ${f(at8.mae, 3)} against ${f(hold8.mae, 3)}, mean interval width ${f(at8.width)} against ${f(hold8.meanWidth)}, while the model it returns trains on every example. A holdout of 2 per class is too small for a bootstrap: its macro-F1 interval covered ${f(hold8.macroF1Coverage)}.`,
        `Bias at ${SIZES.map((n) => `${n}: ${f(all.get(n)!.bias, 3)}`).join(', ')} per class: fold models train on 80% of the examples, the refit on all of them, so the estimate leans pessimistic where the learning curve is steep.`,
      ],
    },
    {
      title: 'Evaluation statistics: coverage by true accuracy',
      description: `The cross-validated simulations above, grouped by the true accuracy of the refit model: coverage of the 95% interval / MAE (datasets in brackets).`,
      columns: ['examples per class', ...bands.map((b) => b[0])],
      rows: cv.map(({ n, rows }) => [
        String(n),
        ...bands.map(([, lo, hi]) => {
          const s = bandStats(rows, lo, hi);
          return s ? `${f(s.coverage)} / ${f(s.mae, 3)} (${s.count})` : '-';
        }),
      ]),
    },
  ];
}

function forecastSection(datasets: number): BenchSection {
  const curves = Math.min(datasets, 200);
  const rows = SIZES.map((perClass) => {
    let hit = 0;
    let abs = 0;
    let width = 0;
    const trends = { rising: 0, unknown: 0, flat: 0 };
    const flatTrends = { rising: 0, unknown: 0, flat: 0 };
    for (let s = 0; s < curves; s++) {
      const truth = powerLaw(s);
      const fc = forecastFromCurve(simulatedCurve(truth, perClass, s), undefined, { seed: s });
      const t = truth(fc.examplesPerClass);
      if (fc.low! <= t && t <= fc.high!) hit++;
      abs += Math.abs(fc.accuracy! - t);
      width += fc.high! - fc.low!;
      trends[fc.trend]++;
      flatTrends[
        forecastFromCurve(
          simulatedCurve(() => 0.7, perClass, s),
          undefined,
          { seed: s },
        ).trend
      ]++;
    }
    return { perClass, coverage: hit / curves, mae: abs / curves, width: width / curves, trends, flatTrends };
  });
  const share = (t: Record<string, number>) =>
    ['rising', 'unknown', 'flat'].map((k) => f((t[k] ?? 0) / curves)).join(' / ');
  const covs = rows.map((r) => r.coverage);
  const flatRising = rows.map((r) => r.flatTrends.rising / curves);
  return {
    title: 'Evaluation statistics: learning-curve forecast on simulations',
    description:
      'Forecast at twice the data from 4-point learning curves (6 classes, 5 folds; points at 25%, 50%, 75% and 100% of n per class with binomial noise on their out-of-fold predictions; the power law\'s ceiling, exponent and start drawn per curve; "flat curve" is a constant 0.7).',
    columns: [
      'examples per class',
      'curves',
      'coverage (95%)',
      'MAE',
      'mean width',
      'power law: rising / unknown / flat',
      'flat curve: rising / unknown / flat',
    ],
    rows: rows.map((r) => [
      String(r.perClass),
      String(curves),
      f(r.coverage),
      f(r.mae, 3),
      f(r.width),
      share(r.trends),
      share(r.flatTrends),
    ]),
    notes: [
      `The forecast interval covers the true accuracy at twice the data in ${f(Math.min(...covs) * 100, 0)}-${f(Math.max(...covs) * 100, 0)}% of curves (on the wide side: the bootstrap treats the points as independent, while real points from nested subsets are positively correlated).`,
      `A flat curve is called rising in ${f(Math.min(...flatRising) * 100, 0)}-${f(Math.max(...flatRising) * 100, 0)}% of cases, but seldom called flat before 50 per class: 4 points cannot rule out a gain of 0.02, and the forecast says "too noisy to tell" instead.`,
    ],
  };
}

export function simulationSections(datasets = 400): BenchSection[] {
  return [...coverageSections(datasets), forecastSection(datasets)];
}
