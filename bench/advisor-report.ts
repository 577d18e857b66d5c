/**
 * The advisor bench's section of BENCHMARKS.md: per task and size, each ordering's mean regret
 * and tau over the draws; the targets at 16 per class; how close each estimate came to the
 * held-out truth and how often the probe's interval held it; and the time against training
 * every candidate. BENCH_ADVISOR_FROM renders a saved (possibly partial) run instead.
 */
import { readFileSync } from 'node:fs';
import { stratifiedBootstrap, wilsonInterval } from '../src/evaluation/index.js';
import {
  METHODS,
  benchAdvisor,
  judge,
  orderScores,
  type AdvisorBench,
  type AdvisorDraw,
  type Method,
} from './advisor.js';
import type { BenchSection } from './report.js';
import { AUTO_CV_MAX_PER_CLASS } from '../src/jobs/evaluation-choice.js';

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const f = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(2));
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/**
 * An ordering's regret and tau on a draw, recomputed from its rows (so orderings added since the
 * run are judged on the same measurements); a run saved before rows kept the old rule's position
 * keeps its recorded numbers for that one.
 */
function result(d: AdvisorDraw, m: Method): { regret: number; tau: number } {
  if (m === 'old rule' && d.rows.some((r) => r.oldRulePosition === undefined)) {
    return { regret: d.regret[m], tau: d.tau[m] };
  }
  return judge(
    orderScores(d.rows)[m],
    d.rows.map((r) => r.heldOutAccuracy),
  );
}
const regretOf = (m: Method) => (d: AdvisorDraw) => result(d, m).regret;
const tauOf = (m: Method) => (d: AdvisorDraw) => result(d, m).tau;

/** Draws that rank something: a task with one candidate has no order to get wrong. */
const ranking = (ds: readonly AdvisorDraw[]) => ds.filter((d) => d.rows.length > 1);

export async function advisorSection(log: (line: string) => void): Promise<BenchSection> {
  const from = process.env['BENCH_ADVISOR_FROM'];
  const r = from ? (JSON.parse(readFileSync(from, 'utf8')) as AdvisorBench) : await benchAdvisor({ log });
  const groups = new Map<string, AdvisorDraw[]>();
  for (const d of r.draws)
    groups.set(`${d.task}|${d.perClass}`, [...(groups.get(`${d.task}|${d.perClass}`) ?? []), d]);
  const sizes = [...new Set(r.draws.map((d) => d.perClass))].sort((a, b) => a - b);
  const cell = (ds: readonly AdvisorDraw[], m: Method) =>
    ranking(ds).length === 0
      ? 'n/a (1 candidate)'
      : `${f(mean(ranking(ds).map(regretOf(m))))} / ${f(mean(ranking(ds).map(tauOf(m))))}`;
  const time = (ds: readonly AdvisorDraw[]) =>
    `${(mean(ds.map((d) => d.advisorMs)) / 1000).toFixed(0)} s / ${(mean(ds.map((d) => d.specProbeMs)) / 1000).toFixed(0)} s / ${(mean(ds.map((d) => d.trainAllMs)) / 1000).toFixed(0)} s`;
  return {
    title: 'Backbone advisor: its ranking against training every candidate',
    description:
      `Real small-data tasks (${r.tasks.map((t) => `${t.name}: ${t.what}, ${t.candidates} candidate${t.candidates === 1 ? '' : 's'}`).join('; ')}). ` +
      `Plan run: ${r.plan} (examples per class : draws; \`BENCH_ADVISOR_PLAN\`). For each draw a stratified random training set is taken from the task's pool and every other example of the pool is held out (hundreds per task, against 150 in the previous version of this bench, whose truth was too noisy to rank by). ` +
      `Image candidates: both offline bases (\`nsfwjs-mobilenet-v2\`, \`nsfwjs-inception-v3\`) at ${r.cutsPerBase} default cuts each; text: the one offline sentence encoder. ` +
      `Every example goes through each base once (pooled features at every cut, as the advisor and the trainer's feature cache compute them); on a draw's training set the advisor's own functions then score every candidate (its softmax probe on the shared repeated folds, LogME, k-NN, the paired ranking and its recommendation), and the spec probe cross-validates each candidate's own learner (its ready spec's head, trained by the trainer) on the first repeat of the same folds. ` +
      `Truth: each candidate's ready spec as the advisor writes it for a training set of that size (frozen base, pooled features, batch normalisation, softmax, Adam 0.01; under ${AUTO_CV_MAX_PER_CLASS} examples per class every example trains for 60 epochs with the learning rate cut when the training loss stalls, otherwise a 20% validation split feeds plateau and early-stopping callbacks) trained by the trainer on the whole training set and scored on the held-out examples (backend: ${r.backend}). ` +
      `Per ordering: the regret of its top pick (best held-out accuracy minus the pick's) and Kendall's tau-b between the order and the held-out order, averaged over draws. "advisor" is the service's ranking (paired tests; cost only among shown equivalents); "old rule" ties within one fold's standard deviation, cheapest first; "probe, 1 repeat, + LogME" is the advisor's order had it probed on the first repeat of the folds alone; the rest are single scores or the sum of two scores' ranks. ` +
      "Times per draw, mean: the advisor (one forward pass of the training set per base, from the pool's measured forward time, plus its probes) / the spec probe (its folds, on top of the same forward pass) / training every candidate (one job each: its forward pass and its fit).",
    columns: [
      'task',
      'per class',
      'draws',
      'held out',
      ...METHODS.map((m) => `regret / tau: ${m}`),
      'time: advisor / spec probe / train all',
    ],
    rows: [
      ...[...groups.values()].map((ds) => [
        ds[0]!.task,
        String(ds[0]!.perClass),
        String(ds.length),
        String(ds[0]!.heldOutExamples),
        ...METHODS.map((m) => cell(ds, m)),
        time(ds),
      ]),
      ...sizes.map((n) => {
        const ds = r.draws.filter((d) => d.perClass === n);
        return [
          '**all ranking tasks**',
          String(n),
          String(ranking(ds).length),
          '',
          ...METHODS.map((m) => cell(ds, m)),
          time(ds),
        ];
      }),
    ],
    notes: [...advisorVerdict(r), ...estimateNotes(r), ...pickNotes(r)],
  };
}

/** The targets at 16 per class, per task and pooled, and which ordering did best over all draws. */
function advisorVerdict(r: AdvisorBench): string[] {
  const out: string[] = [];
  const at16 = ranking(r.draws.filter((d) => d.perClass === 16));
  if (at16.length > 0) {
    const tasks = [...new Set(at16.map((d) => d.task))];
    const perTask = tasks.map((t) => {
      const ds = at16.filter((d) => d.task === t);
      return { regret: mean(ds.map(regretOf('advisor'))), tau: mean(ds.map(tauOf('advisor'))) };
    });
    const regret = mean(perTask.map((p) => p.regret));
    const tau = mean(perTask.map((p) => p.tau));
    const met = regret <= 0.02 && tau >= 0.6;
    const ri = bootstrapTaskMean(at16, regretOf('advisor'));
    const ti = bootstrapTaskMean(at16, tauOf('advisor'));
    out.push(
      `Targets at 16 per class (mean regret <= 0.02, mean tau >= 0.6; the mean of the ${tasks.length} ranking tasks' means, ${at16.length} draws): ${met ? 'met' : 'not met'} by the advisor's ranking (regret ${regret.toFixed(3)}, 95% bootstrap interval over the draws, resampled within each task, ${ri.low.toFixed(3)} to ${ri.high.toFixed(3)}; tau ${tau.toFixed(2)}, ${ti.low.toFixed(2)} to ${ti.high.toFixed(2)}).`,
    );
  }
  const all = ranking(r.draws);
  const overall = METHODS.map((m) => ({
    m,
    regret: mean(all.map(regretOf(m))),
    tau: mean(all.map(tauOf(m))),
  }));
  const byTau = [...overall].sort((a, b) => b.tau - a.tau);
  const byRegret = [...overall].sort((a, b) => a.regret - b.regret);
  out.push(
    `Over all ${all.length} ranking draws, mean regret / tau: ${overall.map((o) => `${o.m} ${o.regret.toFixed(3)} / ${o.tau.toFixed(2)}`).join('; ')}. Highest mean tau: ${byTau[0]!.m}; lowest mean regret: ${byRegret[0]!.m}.`,
  );
  const spread = mean(
    all.map((d) => {
      const held = d.rows.map((row) => row.heldOutAccuracy);
      return Math.max(...held) - Math.min(...held);
    }),
  );
  const heldOut = mean(all.map((d) => d.heldOutExamples));
  out.push(
    `The candidates' held-out accuracies span ${(spread * 100).toFixed(1)} points on average within a draw; one held-out accuracy near 85% rests on about ${heldOut.toFixed(0)} examples, ±${(196 * Math.sqrt(0.1275 / heldOut)).toFixed(1)} points, so near-ties in the truth still add noise to tau.`,
  );
  const ratio = mean(r.draws.map((d) => d.advisorMs / d.trainAllMs));
  const spec = mean(r.draws.map((d) => (d.advisorMs + d.specProbeMs) / d.trainAllMs));
  const timed = r.draws.filter((d) => d.advisorOneRepeatMs !== undefined);
  const one = mean(timed.map((d) => d.advisorOneRepeatMs! / d.trainAllMs));
  out.push(
    `Time against training every candidate: the advisor ${ratio.toFixed(2)}x on average; with the spec probe as well ${spec.toFixed(2)}x` +
      (timed.length
        ? `; probing on the first repeat of the folds only ("probe, 1 repeat, + LogME": the forward passes, LogME and k-NN, and a repeat's share of each probe's time) ${one.toFixed(2)}x.`
        : '.'),
  );
  return out;
}

/**
 * A 95% interval for the mean over tasks of each task's mean of `get`: the evaluation's
 * stratified bootstrap (expanded for small strata), the draws resampled within their task.
 */
function bootstrapTaskMean(ds: readonly AdvisorDraw[], get: (d: AdvisorDraw) => number) {
  const tasks = [...new Set(ds.map((d) => d.task))];
  const values = ds.map(get);
  const strata = ds.map((d) => tasks.indexOf(d.task));
  return stratifiedBootstrap(strata, (at) =>
    mean(tasks.map((_, t) => mean(at.filter((i) => strata[i] === t).map((i) => values[i]!)))),
  );
}

/** How far each estimate lies from the held-out truth, and how often the 95% intervals hold it. */
function estimateNotes(r: AdvisorBench): string[] {
  const rows = r.draws.flatMap((d) => d.rows.map((row) => ({ d, row })));
  const bias = (get: (x: (typeof rows)[number]) => number) =>
    mean(rows.map((x) => get(x) - x.row.heldOutAccuracy));
  const covered = (low: number, high: number, truth: number) => (truth >= low && truth <= high ? 1 : 0);
  const probeCover = mean(rows.map(({ row }) => covered(row.low, row.high, row.heldOutAccuracy)));
  const specCover = mean(
    rows.map(({ d, row }) => {
      const i = wilsonInterval(Math.round(row.spec * d.trainExamples), d.trainExamples);
      return covered(i.low, i.high, row.heldOutAccuracy);
    }),
  );
  const recipe = r.draws.flatMap((d) => d.rows.filter((row) => row.heldOutEarlyStopping !== undefined));
  const picks = r.draws.flatMap((d) =>
    d.rows.filter((row) => row.advisorRank === 1 && row.heldOutEarlyStopping !== undefined),
  );
  const gain = (rs: typeof recipe) => mean(rs.map((row) => row.heldOutAccuracy - row.heldOutEarlyStopping));
  const better = mean(recipe.map((row) => (row.heldOutAccuracy > row.heldOutEarlyStopping ? 1 : 0)));
  const worse = mean(recipe.map((row) => (row.heldOutAccuracy < row.heldOutEarlyStopping ? 1 : 0)));
  const pickRows = r.draws.flatMap((d) =>
    d.rows.filter((row) => row.advisorRank === 1).map((row) => ({ d, row })),
  );
  const pickCover = mean(
    pickRows.map(({ d, row }) => {
      const i = wilsonInterval(Math.round(row.spec * d.trainExamples), d.trainExamples);
      return covered(i.low, i.high, row.heldOutAccuracy);
    }),
  );
  const pickBias = mean(pickRows.map(({ row }) => row.spec - row.heldOutAccuracy));
  return [
    `The advisor's \`expected\` (the pick's own spec cross-validated on the first repeat, which is the spec probe of the pick): its 95% interval held the pick's held-out accuracy in ${pct(pickCover)} of ${pickRows.length} draws, the estimate ${(pickBias * 100).toFixed(1)} points from it on average.`,
    ...(recipe.length
      ? [
          `Fit recipe: training on every example for 60 epochs, the learning rate cut when the training loss stalls (what the advisor now writes for a dataset under ${AUTO_CV_MAX_PER_CLASS} examples per class without its own split) against the earlier recipe (20% held out for plateau and early-stopping callbacks), both by the trainer on the same training sets: held-out accuracy ${(gain(recipe) * 100).toFixed(1)} points higher on average over ${recipe.length} (draw, candidate) pairs (higher in ${pct(better)}, lower in ${pct(worse)}), ${(gain(picks) * 100).toFixed(1)} points for the advisor's picks.`,
        ]
      : []),
    `Estimates against the truth over ${rows.length} (draw, candidate) pairs: mean estimate minus held-out accuracy: probe ${(bias((x) => x.row.probe) * 100).toFixed(1)} points, spec probe ${(bias((x) => x.row.spec) * 100).toFixed(1)} points, k-NN ${(bias((x) => x.row.knnAccuracy) * 100).toFixed(1)} points. ` +
      `The probe's 95% interval holds the held-out accuracy in ${pct(probeCover)} of them; a 95% Wilson interval on the spec probe's estimate in ${pct(specCover)} (the truth is itself measured with noise, and the estimate rests on fewer examples than the final fit trains on).`,
  ];
}

/** Per task at 16 per class: the first draw's pick, best, and the advisor's words. */
function pickNotes(r: AdvisorBench): string[] {
  return r.draws
    .filter((d) => d.perClass === 16 && d.draw === 0)
    .map(
      (d) =>
        `${d.task}, 16 per class, draw 0: pick ${d.pick}, best held out ${d.best}. ` +
        d.rows
          .map(
            (row) =>
              `${row.base} @ ${row.cutAt}: probe ${pct(row.probe)} (${pct(row.low)} to ${pct(row.high)}), spec probe ${pct(row.spec)}, LogME ${row.logME.toFixed(3)}, k-NN ${pct(row.knnAccuracy)}, held-out ${pct(row.heldOutAccuracy)}, ${row.msPerExample} ms/example`,
          )
          .join('; ') +
        `. Recommendation: ${d.recommendation.reason}${d.recommendation.alternative ? ` ${d.recommendation.alternative.reason}.` : ''}`,
    );
}
