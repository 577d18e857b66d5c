/**
 * `npx tsx bench/evaluation-stats.ts [datasets]`: the figures of BENCHMARKS.md's "Evaluation
 * statistics: coverage on simulations", printed as markdown. Seeded simulations where the truth
 * is known (test/evaluation/gaussian-task.ts), 400 datasets per size by default; the tests run
 * the first 100 of the same datasets.
 */
import { forecastFromCurve } from '../src/evaluation/index.js';
import { powerLaw, simulatedCurve } from '../test/evaluation/curves.js';
import { trial } from '../test/evaluation/gaussian-task.js';

const datasets = Number(process.argv[2] ?? 400);
const bands: Array<[string, number, number]> = [
  ['< 0.6', 0, 0.6],
  ['0.6 to 0.75', 0.6, 0.75],
  ['0.75 to 0.9', 0.75, 0.9],
  ['>= 0.9', 0.9, 1.01],
];
const f = (x: number, d = 2) => x.toFixed(d);

interface Row {
  n: number;
  hit: boolean;
  f1Hit: boolean;
  err: number;
  width: number;
  truth: number;
}

console.log(
  '| examples per class | datasets | coverage of accuracy (95%) | MAE | bias | mean width | macro-F1 coverage |',
);
console.log('|---|---|---|---|---|---|---|');
const all: Array<[number, Row[]]> = [];
for (const perClass of [8, 16, 50]) {
  const rows: Row[] = [];
  for (let s = 1; s <= datasets; s++) {
    const t = trial(s, perClass);
    const iv = t.estimate.accuracyInterval!;
    const f1 = t.estimate.macroF1Interval!;
    rows.push({
      n: perClass,
      hit: iv.low <= t.trueAccuracy && t.trueAccuracy <= iv.high,
      f1Hit: f1.low <= t.trueMacroF1 && t.trueMacroF1 <= f1.high,
      err: t.estimate.accuracy - t.trueAccuracy,
      width: iv.high - iv.low,
      truth: t.trueAccuracy,
    });
  }
  const mean = (g: (r: Row) => number, rs = rows) => rs.reduce((a, r) => a + g(r), 0) / rs.length;
  console.log(
    `| ${perClass} | ${datasets} | ${f(mean((r) => +r.hit))} | ${f(
      mean((r) => Math.abs(r.err)),
      3,
    )} | ` +
      `${f(
        mean((r) => r.err),
        3,
      )} | ${f(mean((r) => r.width))} | ${f(mean((r) => +r.f1Hit))} |`,
  );
  all.push([perClass, rows]);
}
console.log('\nBy true accuracy of the refit model (coverage / MAE, datasets in brackets):\n');
console.log(`| examples per class | ${bands.map((b) => b[0]).join(' | ')} |`);
console.log(`|---|${bands.map(() => '---').join('|')}|`);
for (const [perClass, rows] of all) {
  const cells = bands.map(([, lo, hi]) => {
    const rs = rows.filter((r) => r.truth >= lo && r.truth < hi);
    if (rs.length === 0) return '-';
    const cov = rs.filter((r) => r.hit).length / rs.length;
    const mae = rs.reduce((a, r) => a + Math.abs(r.err), 0) / rs.length;
    return `${f(cov)} / ${f(mae, 3)} (${rs.length})`;
  });
  console.log(`| ${perClass} | ${cells.join(' | ')} |`);
}

// The learning curve's forecast: curves from known power laws (and flat ones) plus binomial noise.
console.log('\nForecast at twice the data from 4-point learning curves (6 classes, 5 folds):\n');
console.log(
  '| examples per class | curves | coverage (95%) | MAE | mean width | power law: rising / unknown / flat | flat curve: rising / unknown / flat |',
);
console.log('|---|---|---|---|---|---|---|');
for (const perClass of [8, 16, 50]) {
  const curves = Math.min(datasets, 200);
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
  const share = (t: Record<string, number>) =>
    ['rising', 'unknown', 'flat'].map((k) => f((t[k] ?? 0) / curves)).join(' / ');
  console.log(
    `| ${perClass} | ${curves} | ${f(hit / curves)} | ${f(abs / curves, 3)} | ${f(width / curves)} | ${share(trends)} | ${share(flatTrends)} |`,
  );
}
