/**
 * `npm run bench:evaluation`: BENCHMARKS.md's sections on honest evaluation. The reported
 * accuracy and its interval against a large held-out pool of real digits (evaluation-mnist.ts),
 * the cost of cross-validation relative to one fit (cv-cost.ts), and the statistics on
 * simulations where the truth is known (evaluation-stats.ts).
 */
import { wilsonInterval } from '../src/evaluation/index.js';
import { benchCvCost } from './cv-cost.js';
import {
  benchEvaluationMnist,
  type Case,
  type EvaluationMnistBench,
  type TrialSummary,
} from './evaluation-mnist.js';
import { simulationSections } from './evaluation-stats.js';
import type { BenchSection } from './report.js';

const f = (x: number, d = 2) => x.toFixed(d);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const MAE_TARGET = 0.05;
const COVERAGE_TARGET = 0.9;

/** A share of `n` repetitions with its 95% Wilson interval: "0.90 (0.70-0.97)". */
function share(p: number, n: number): string {
  const iv = wilsonInterval(Math.round(p * n), n);
  return `${f(p)} (${f(iv.low)}-${f(iv.high)})`;
}

const label = (c: Case) => `${c.perClass}${c.earlyStopping ? '' : ', fixed epochs'}`;

function realDataSection(b: EvaluationMnistBench): BenchSection {
  const notes: string[] = [];
  for (const s of b.sizes) {
    const n = s.repetitions.length;
    const misses = s.repetitions.filter((r) => r.cv.truth < r.cv.low || r.cv.truth > r.cv.high);
    const above = misses.filter((r) => r.cv.truth > r.cv.high).length;
    const p = s.cv.meanTruth;
    const predictions = s.repetitions[0]?.cv.examples ?? 0;
    const sd = Math.sqrt((p * (1 - p)) / Math.max(1, predictions));
    const parts = [
      `${label(s)} per class: coverage ${f(s.cv.coverage)} over ${n} draws` +
        (s.cv.coverage >= COVERAGE_TARGET
          ? ` (target ${COVERAGE_TARGET} met)`
          : ` (target ${COVERAGE_TARGET} missed by ${f(COVERAGE_TARGET - s.cv.coverage)}; its own 95% interval over the draws, ${share(s.cv.coverage, n)}, ${wilsonInterval(Math.round(s.cv.coverage * n), n).high >= COVERAGE_TARGET ? 'still reaches' : 'excludes'} ${COVERAGE_TARGET})`),
      `${misses.length} miss${misses.length === 1 ? '' : 'es'}, ${above} with the pool accuracy above the interval`,
      `MAE ${f(s.cv.mae, 3)}` +
        (s.perClass === 8
          ? s.cv.mae <= MAE_TARGET
            ? ` (target ${MAE_TARGET} met)`
            : ` (target ${MAE_TARGET} missed by ${f(s.cv.mae - MAE_TARGET, 3)})`
          : ''),
      `bias ${f(s.cv.bias, 3)}`,
      `the binomial floor of ${predictions} predictions at accuracy ${f(p)} is a standard deviation of ${f(sd, 3)} (an MAE of about ${f(sd * 0.8, 3)})`,
      `the 20% holdout: MAE ${f(s.holdout.mae, 3)}, coverage ${f(s.holdout.coverage)}, width ${f(s.holdout.meanWidth)}`,
    ];
    notes.push(parts.join('; ') + '.');
  }
  const es8 = b.sizes.find((s) => s.perClass === 8 && s.earlyStopping);
  const fixed8 = b.sizes.find((s) => s.perClass === 8 && !s.earlyStopping);
  const stopped = b.sizes.filter((s) => s.earlyStopping).flatMap((s) => s.repetitions);
  const below = stopped.filter((r) => r.cv.truth < r.cv.low).length;
  const above = stopped.filter((r) => r.cv.truth > r.cv.high).length;
  notes.push(
    `With early stopping, misses over all sizes: ${below} with the pool accuracy below the interval (the estimate too high), ${above} above it.`,
  );
  if (es8 && fixed8) {
    notes.push(
      `Early stopping with restored weights keeps, in each fold, the epoch that scored best on that very fold: the held-out fold both chooses and scores. At 8 per class the bias is ${f(es8.cv.bias, 3)} with early stopping against ${f(fixed8.cv.bias, 3)} for fixed epochs (MAE ${f(es8.cv.mae, 3)} against ${f(fixed8.cv.mae, 3)}, coverage ${share(es8.cv.coverage, es8.repetitions.length)} against ${share(fixed8.cv.coverage, fixed8.repetitions.length)}): the direction the selection predicts, by less than these draws can tell apart.`,
    );
  }
  for (const s of b.sizes.filter((x) => x.cv.coverage < COVERAGE_TARGET)) {
    notes.push(
      `In the way at ${label(s)} per class: an interval of mean width ${f(s.cv.meanWidth)} beside a bias of ${f(s.cv.bias, 3)}, and an interval that counts only the sampling of ${s.repetitions[0]?.cv.examples ?? 0} out-of-fold predictions, not how the refit model differs from the fold models (Bates, Hastie & Tibshirani 2021): the narrower the interval, the more those two weigh.`,
    );
  }
  const poolSd = Math.sqrt((0.9 * 0.1) / b.poolExamples);
  notes.push(
    `The pool's own sampling error is small beside these figures: about ${f(poolSd, 3)} (standard deviation at accuracy 0.9 over ${b.poolExamples} digits).`,
    `Source CNN: ${b.source.examples} digits 0-4, ${f(b.source.accuracy * 100, 1)}% held-out accuracy, trained in ${secs(b.source.trainMs)}; the whole section took ${secs(b.totalMs)}.`,
  );
  return {
    title: 'Evaluation on real digits: reported accuracy and interval against a held-out pool',
    description: `MNIST digits 5-9 learned by transfer from a CNN trained on digits 0-4 (bench/transfer-mnist.ts: conv 8, conv 16, cut at its flatten, frozen; offline, trained in this run), head dense 32, Adam 0.003, batch 16, up to 30 epochs with early stopping on the held-out fold's loss (patience 5, best weights restored; the "fixed epochs" row: 30 epochs, no early stopping). Each repetition draws n digits per class at random from the first 400 of each digit and runs the job's own cross-validated evaluation (\`crossValidatedJob\` of src/jobs/: 5 stratified folds sharing the frozen features, Wilson 95% interval on the out-of-fold predictions, the returned model refit on every example for the folds' median best epoch; learning curve off, as it changes neither). Truth: the returned model's accuracy on ${b.poolExamples} other digits 5-9 (the rest of each digit's list, never drawn). Baseline: a 20% holdout job on the same draw (the returned model trained on 80%, the figure from the other 20%). Coverage and MAE are over the draws; coverage carries its own 95% interval over the draws.`,
    columns: [
      'examples/class',
      'draws',
      'reported (mean)',
      'pool accuracy (mean)',
      'MAE',
      'bias',
      'worst error',
      'coverage (95%)',
      'mean width',
      'holdout MAE',
      'holdout coverage',
      'holdout width',
      'CV time per draw',
    ],
    rows: b.sizes.map((s) => {
      const n = s.repetitions.length;
      const row = (t: TrialSummary) => [f(t.mae, 3), f(t.bias, 3), f(t.worst, 3)];
      return [
        label(s),
        String(n),
        f(s.cv.meanEstimate, 3),
        f(s.cv.meanTruth, 3),
        ...row(s.cv),
        share(s.cv.coverage, n),
        f(s.cv.meanWidth),
        f(s.holdout.mae, 3),
        share(s.holdout.coverage, n),
        f(s.holdout.meanWidth),
        secs(s.repetitions.reduce((a, r) => a + r.cvMs, 0) / Math.max(1, n)),
      ];
    }),
    notes,
  };
}

async function cvCostSection(log: (line: string) => void): Promise<BenchSection> {
  const rows = await benchCvCost(log);
  const ratio = (r: (typeof rows)[number]) => r.cvWithRefitMs / r.oneFitMs;
  const small = rows[0];
  const big = rows[2];
  return {
    title: 'Cost of cross-validation relative to one fit',
    description:
      "5 stratified folds plus the refit on every example, against one fit of the same recipe (a 32-unit head, 10 epochs, batch 16; the refit for as many epochs), each measured after a 1-epoch warm-up run of the same recipe. Small CNN: MNIST digits 0-4, 50 per class, the tests' seeded CNN (`seededCnn`, random weights) as a frozen base cut at `flatten`. MobileNetV2: the offline `nsfwjs-mobilenet-v2` base, 60 synthetic 224x224 images in 2 classes. Wasm backend, single runs on shared cores: ratios are what to read. Baseline: one fit.",
    columns: ['recipe', 'examples', 'one fit', '5 folds + refit', 'ratio', 'passes of the frozen prefix'],
    rows: rows.map((r) => [
      r.recipe,
      String(r.examples),
      secs(r.oneFitMs),
      secs(r.cvWithRefitMs),
      `${f(ratio(r))}x`,
      String(r.featurePasses),
    ]),
    notes: [
      'Every run of a head-only job shares one pass of the frozen prefix; what the cross-validation adds is five more heads trained on its features. Where the prefix is most of a fit (a real base such as MobileNetV2), that is cheap' +
        (big ? ` (${f(ratio(big))}x here)` : '') +
        '; on a base as small as the test CNN, training the head is most of a fit, and six heads cost about six times one' +
        (small ? ` (${f(ratio(small))}x here)` : '') +
        (!big || ratio(big) >= 2
          ? ". The issue's target (well under 2x for a head-only job) was missed in this run even on MobileNetV2."
          : ratio(big) < 1.5
            ? ". The issue's target (well under 2x for a head-only job) holds where the base dominates."
            : ". The issue's target (well under 2x for a head-only job) is only just met here, where the base dominates (a single run on shared cores)."),
      "A fine-tune phase trains the unfrozen block in every fold, so it costs several fits (below `folds + 1` because both phases' frozen prefixes are still computed once, one pass per frozen boundary). The budget `evaluation.maxCost` (EVALUATION_MAX_COST) counts such a job as `folds + 1` fits.",
    ],
  };
}

export async function evaluationSections(
  log: (line: string) => void,
  o: {
    cases?: Case[];
    repetitions?: number;
    minRepetitions?: number;
    budgetMs?: number;
    datasets?: number;
  } = {},
): Promise<BenchSection[]> {
  const real = await benchEvaluationMnist({
    log,
    cases: o.cases ?? [
      ...[8, 16, 50].map((perClass) => ({ perClass, earlyStopping: true })),
      // The same recipe for fixed epochs: is the held-out fold's choice of epoch in the way?
      { perClass: 8, earlyStopping: false },
    ],
    repetitions: o.repetitions ?? 40,
    minRepetitions: o.minRepetitions ?? 10,
    budgetMs: o.budgetMs ?? 11 * 60_000,
  });
  const cost = await cvCostSection(log);
  log('simulations ...');
  return [realDataSection(real), cost, ...simulationSections(o.datasets)];
}
