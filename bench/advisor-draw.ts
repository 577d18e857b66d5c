/**
 * One draw of the advisor bench: a training set drawn from a task's pool, every candidate scored
 * by the advisor's own functions and by the spec probe, and the truth: each candidate's ready spec
 * fit on the training set and scored on the rest of the pool.
 */
import { probedEntry } from '../src/advisor/candidate.js';
import { rank, recommend, type Probed } from '../src/advisor/ranking.js';
import { planFolds } from '../src/advisor/sampling.js';
import { KNN_NEIGHBOURS, scoreCut } from '../src/advisor/scores.js';
import { meanAccuracy } from '../src/evaluation/paired.js';
import { knnLooAccuracy, logME } from '../src/evaluation/transferability.js';
import { crossValidateSpec, featureJob } from '../src/advisor/spec-probe.js';
import type { CandidateSpec } from '../src/contracts/advisor.js';
import { AUTO_CV_MAX_PER_CLASS } from '../src/jobs/evaluation-choice.js';
import { mixSeed, mulberry32, shuffle } from '../src/lib/seeded-split.js';
import { fitFeatureHead, pickRows as pick, predictClasses } from '../src/ml/index.js';
import type { TaskPool } from './advisor-pool.js';
import { judge, METHODS, orderScores, type AdvisorDraw, type Method } from './advisor-scoring.js';

/**
 * The advisor's rule before paired tests: accuracy first, but candidates within the better one's
 * fold standard deviation count as tied and the cheapest of them goes first (kept here to
 * measure against).
 */
function oldOrder(entries: readonly Probed[]): number[] {
  const left = entries.map((e, i) => ({ e, i })).sort((x, y) => y.e.accuracy - x.e.accuracy);
  const out: number[] = [];
  while (left.length > 0) {
    const best = left[0]!;
    const ties = left.filter((c) => best.e.accuracy - c.e.accuracy <= Math.max(best.e.accuracyStd, 1e-9));
    ties.sort((x, y) => x.e.msPerExample - y.e.msPerExample);
    out.push(ties[0]!.i);
    left.splice(left.indexOf(ties[0]!), 1);
  }
  return out;
}

/** A stratified random training set of `perClass` per class; the rest of the pool is held out. */
function drawSplit(labels: readonly number[], classes: number, perClass: number, seed: number) {
  const rng = mulberry32(seed);
  const train: number[] = [];
  const held: number[] = [];
  for (let c = 0; c < classes; c++) {
    const of = shuffle(
      labels.flatMap((l, i) => (l === c ? [i] : [])),
      rng,
    );
    train.push(...of.slice(0, perClass));
    held.push(...of.slice(perClass));
  }
  return { train, held };
}

interface Measured {
  probed: Probed;
  spec: number;
  heldOut: number;
  /** The same candidate fit by the early-stopping recipe (20% validation split), for comparison. */
  heldOutEarlyStopping: number;
  probeMs: number;
  /** LogME and k-NN alone (inside probeMs too): what a probe of fewer repeats still pays. */
  closedFormMs: number;
  /** The probe's accuracy on the first repeat of the folds. */
  firstRepeat: number;
  specMs: number;
  fitMs: number;
}

export async function benchDraw(pool: TaskPool, perClass: number, draw: number): Promise<AdvisorDraw> {
  const { task } = pool;
  const split = drawSplit(pool.labels, task.classes.length, perClass, mixSeed(99, perClass, draw));
  const labels = split.train.map((i) => pool.labels[i]!);
  const held = split.held.map((i) => pool.labels[i]!);
  const seed = 1 + draw;
  const plan = planFolds(labels, task.classes, seed);
  const measured: Measured[] = [];
  for (const c of pool.candidates)
    measured.push(await measure(c, split, labels, held, plan, seed, task.classes, perClass));
  const ranked = rank(
    measured.map((m) => m.probed),
    plan,
  );
  const recommendation = recommend(ranked, plan);
  const truth = measured.map((m) => m.heldOut);
  const oldPos = oldOrder(measured.map((m) => m.probed));
  const rows = measured.map((m, i) => ({
    base: m.probed.baseName ?? '?',
    cutAt: m.probed.cutAt,
    probe: m.probed.accuracy,
    probeFirstRepeat: m.firstRepeat,
    low: m.probed.accuracyInterval.low,
    high: m.probed.accuracyInterval.high,
    spec: m.spec,
    logME: m.probed.logME,
    knnAccuracy: m.probed.knnAccuracy,
    advisorRank: 1 + ranked.findIndex((r) => r.cutAt === m.probed.cutAt && r.baseName === m.probed.baseName),
    oldRulePosition: oldPos.indexOf(i),
    msPerExample: m.probed.msPerExample,
    heldOutAccuracy: truth[i]!,
    heldOutEarlyStopping: m.heldOutEarlyStopping,
  }));
  const scores = orderScores(rows);
  const regret = {} as Record<Method, number>;
  const tau = {} as Record<Method, number>;
  for (const m of METHODS) ({ regret: regret[m], tau: tau[m] } = judge(scores[m], truth));
  const best = Math.max(...truth);
  const name = (p: Probed) => `${p.baseName} @ ${p.cutAt}`;
  const forward = Object.values(pool.forwardMs).reduce((a, b) => a + b, 0) * labels.length;
  const perCandidateForward = measured.reduce(
    (s, m) => s + (pool.forwardMs[m.probed.baseName ?? ''] ?? 0),
    0,
  );
  return {
    task: task.name,
    perClass,
    draw,
    trainExamples: labels.length,
    heldOutExamples: held.length,
    folds: plan.k,
    repeats: plan.folds.length,
    advisorMs: forward + measured.reduce((s, m) => s + m.probeMs, 0),
    advisorOneRepeatMs:
      forward +
      measured.reduce((s, m) => s + m.closedFormMs + (m.probeMs - m.closedFormMs) / plan.folds.length, 0),
    specProbeMs: measured.reduce((s, m) => s + m.specMs, 0),
    trainAllMs: perCandidateForward * labels.length + measured.reduce((s, m) => s + m.fitMs, 0),
    regret,
    tau,
    pick: name(ranked[0]!),
    best: name(measured[truth.indexOf(best)]!.probed),
    recommendation,
    rows,
  };
}

/** One candidate on one draw: the advisor's scores, the spec probe, and the truth. */
async function measure(
  c: TaskPool['candidates'][number],
  split: { train: number[]; held: number[] },
  labels: number[],
  held: number[],
  plan: ReturnType<typeof planFolds>,
  seed: number,
  names: readonly string[],
  perClass: number,
): Promise<Measured> {
  const classes = names.length;
  const x = pick(c.values, c.dim, split.train);
  // The recipe the advisor writes for a dataset of this size without a split of its own.
  const spec = c.spec(perClass < AUTO_CV_MAX_PER_CLASS ? 'every-example' : 'early-stopping', seed);
  let t = performance.now();
  const scores = await scoreCut(x, c.dim, classes, plan);
  const probeMs = performance.now() - t;
  t = performance.now();
  // scoreCut computed these too; done again alone to time them apart from the probe.
  logME(x, c.dim, labels, classes);
  knnLooAccuracy(x, c.dim, labels, KNN_NEIGHBOURS);
  const closedFormMs = performance.now() - t;
  const firstRepeat = meanAccuracy([scores.outcomes[0]!]);
  t = performance.now();
  // The first repeat of the shared folds only: each of its fits is a whole job's head training.
  const got = await crossValidateSpec({
    spec,
    values: x,
    dim: c.dim,
    labels,
    classes: names,
    folds: plan.folds[0]!,
    k: plan.k,
  });
  const hits = got.correct.reduce((a, b) => a + b, 0);
  const specMs = performance.now() - t;
  t = performance.now();
  const heldX = pick(c.values, c.dim, split.held);
  const heldOut = await fitAndScore(spec, { values: x, dim: c.dim, labels }, names, heldX, held);
  const fitMs = performance.now() - t;
  const heldOutEarlyStopping = await fitAndScore(
    c.spec('early-stopping', seed),
    { values: x, dim: c.dim, labels },
    names,
    heldX,
    held,
  );
  const probed: Probed = {
    ...probedEntry({
      candidate: { base: { baseModelId: c.baseId } },
      base: c.stored,
      cutAt: c.cutAt,
      scores,
      plan,
      msPerExample: c.msPerExample,
      featureDim: c.dim,
      baseParams: c.params,
      classes,
      spec,
      depth: c.depth,
    }),
    ...(c.fineTuneFrom ? { fineTuneFrom: c.fineTuneFrom } : {}),
  };
  return {
    probed,
    spec: hits / labels.length,
    heldOut,
    heldOutEarlyStopping,
    probeMs,
    closedFormMs,
    firstRepeat,
    specMs,
    fitMs,
  };
}

/** A spec's head fit on the training rows, then its accuracy on the held-out rows. */
async function fitAndScore(
  spec: CandidateSpec,
  rows: { values: Float32Array; dim: number; labels: number[] },
  names: readonly string[],
  heldX: Float32Array,
  held: number[],
): Promise<number> {
  const model = await fitFeatureHead(featureJob(spec), rows, names);
  try {
    const got = await predictClasses(model, heldX, rows.dim);
    return held.filter((l, i) => got[i] === l).length / held.length;
  } finally {
    model.dispose();
  }
}
