import type { Logger } from 'pino';
import { tooSmallReason } from '../advisor/modalities.js';
import { planFolds, type FoldPlan } from '../advisor/sampling.js';
import {
  AUDIT_MAX_EXAMPLES,
  type AuditFinding,
  type AuditProgress,
  type AuditResult,
  type AuditSummary,
} from '../contracts/audit.js';
import { wilsonInterval } from '../evaluation/index.js';
import { jobFailure, PermanentJobError } from '../jobs/run-training-job.js';
import { liveTensors, crossValidateSoftmax, nearestNeighbours, type Neighbours } from '../ml/index.js';
import type { AuditPayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { auditFeatures, COARSE, FINE, type AuditFeatures } from './audit-features.js';
import { findLabelIssues } from './scoring/confident-learning.js';
import { classAudits, datasetFindings } from './scoring/dataset-level.js';
import { findDuplicates } from './scoring/duplicates.js';
import {
  boxBlur,
  centredUnitRows,
  meanProbabilities,
  rescoreNeighbours,
  rowDot,
  shingleJaccard,
  selfCentredUnitRows,
} from './scoring/features.js';
import { duplicateFindings, labelFindings, outlierFindings } from './scoring/findings.js';
import { findOutliers, knnMeanDistances, type Outlier } from './scoring/outliers.js';

export interface RunAuditJobOptions {
  store: Store;
  payload: AuditPayload;
  backend: string;
  signal?: AbortSignal;
  report: (progress: AuditProgress) => Promise<void> | void;
  log: Logger;
}

/**
 * L2 weight of the audit's probe: stronger than the advisor's (1e-3), so that the out-of-fold
 * probabilities that confident learning reads are not pushed to 0 and 1 by a probe that
 * memorised its fold's noisy labels.
 */
const PROBE_L2 = 0.03;

/** Neighbours each example is compared with (near-duplicates, outliers). */
const NEIGHBOURS = 10;

/**
 * One audit: features of every example (one forward pass through the base, or the stored
 * embeddings or columns), out-of-fold probabilities of a softmax probe on them over the
 * advisor's repeated stratified folds, the nearest neighbours of every example; then the
 * detectors (confident learning, duplicates and leaks, outliers) and the dataset-level checks,
 * and the probe again without the flagged examples for what they cost.
 */
export async function runAuditJob(opts: RunAuditJobOptions): Promise<AuditResult> {
  const started = Date.now();
  const tensorsBefore = liveTensors();
  const report = (p: AuditProgress): void => {
    void Promise.resolve(opts.report(p)).catch((err: unknown) =>
      opts.log.warn({ err }, 'could not report progress'),
    );
  };
  try {
    report({ phase: 'loading' });
    const f = await auditFeatures(opts.store, opts.payload, report, opts.signal);
    const { manifest } = f;
    const classes = auditableClasses(f);
    const warnings: string[] = [];
    report({ phase: 'probing' });
    const plan = planFolds(f.labels, classes, opts.payload.seed);
    const { probs, predicted } = await outOfFold(f.values, f.dim, classes.length, plan, opts.signal);
    report({ phase: 'neighbours' });
    const near = await neighbourhoods(f, opts.signal);
    report({ phase: 'scoring' });
    const { findings, flagged, counts } = detect(
      f,
      classes,
      probs,
      near,
      opts.payload.nearDuplicateThreshold,
    );
    const perClass = classAudits(classes, f.labels, predicted);
    if (!manifest.split.provided) {
      warnings.push(
        'the dataset has no split of its own: a job draws its validation split at random, so any duplicate ' +
          'may land on both sides of it (a leak); duplicates are reported as duplicates',
      );
    }
    report({ phase: 'probing' });
    const summary: AuditSummary = {
      examples: f.labels.length,
      counts,
      flaggedExamples: flagged.size,
      accuracy: accuracyOf(f.labels, predicted),
      accuracyWithoutFlagged: await accuracyWithout(f, flagged, classes, opts, warnings),
    };
    return {
      datasetId: manifest.id,
      modality: manifest.kind,
      features: { base: f.base ?? null, cutAt: f.cutAt, dim: f.dim },
      folds: plan.k,
      repeats: plan.folds.length,
      nearDuplicateThreshold: opts.payload.nearDuplicateThreshold,
      outlierThreshold: Number(near.outliers.threshold.toFixed(4)),
      summary,
      classes: perClass,
      dataset: datasetFindings(
        perClass,
        f.images
          ? { ids: f.keys, widths: f.images.widths, heights: f.images.heights, input: f.images.input }
          : undefined,
      ),
      findings,
      warnings,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    throw jobFailure(err, opts.backend);
  } finally {
    const leaked = liveTensors() - tensorsBefore;
    if (leaked !== 0) opts.log.warn({ leaked }, 'tensor count changed across the audit');
  }
}

/** The dataset's class names; a PermanentJobError when it cannot be audited. */
function auditableClasses(f: AuditFeatures): string[] {
  const { manifest } = f;
  if (manifest.task !== 'classification') {
    throw new PermanentJobError('a regression dataset has no labels to audit; audits need classes');
  }
  if (f.labels.length > AUDIT_MAX_EXAMPLES) {
    throw new PermanentJobError(
      `the dataset has ${f.labels.length} examples; an audit reads at most ${AUDIT_MAX_EXAMPLES}`,
    );
  }
  const small = tooSmallReason(manifest.classes);
  if (small) throw new PermanentJobError(small);
  return manifest.classes.map((c) => c.name);
}

/** The detectors' findings, the examples they name, and their counts. */
function detect(
  f: AuditFeatures,
  classes: string[],
  probs: Float32Array,
  near: Awaited<ReturnType<typeof neighbourhoods>>,
  threshold: number,
): { findings: AuditFinding[]; flagged: Set<number>; counts: AuditSummary['counts'] } {
  const names = { keys: f.keys, labels: f.labels, splits: f.splits, classes };
  const issues = findLabelIssues(probs, f.labels, classes.length);
  const pairs = findDuplicates({
    hashes: f.hashes,
    labels: f.labels,
    splits: f.splits,
    neighbours: near.duplicates,
    threshold,
  });
  const outliers = near.outliers.outliers;
  return {
    findings: [
      ...labelFindings(names, issues),
      ...duplicateFindings(names, pairs),
      ...outlierFindings(names, outliers),
    ],
    flagged: new Set([
      ...issues.map((i) => i.index),
      ...pairs.map((p) => p.copy),
      ...outliers.map((o) => o.index),
    ]),
    counts: {
      label: issues.length,
      duplicate: pairs.filter((p) => !p.leak).length,
      leak: pairs.filter((p) => p.leak).length,
      outlier: outliers.length,
      conflict: pairs.filter((p) => p.conflict).length,
    },
  };
}

/** Coarse thumbnails propose near-duplicate candidates; the fine ones must confirm them. */
const CANDIDATE_SIMILARITY = 0.95;

/**
 * Who is near whom: near-duplicate candidates (images: by their thumbnails, proposed on coarse
 * ones and confirmed on fine blurred ones; texts and tables: by their mean-centred features) and
 * outliers (far out by their features, or for images by their appearance too).
 */
async function neighbourhoods(
  f: AuditFeatures,
  signal?: AbortSignal,
): Promise<{ duplicates: Neighbours; outliers: { outliers: Outlier[]; threshold: number } }> {
  const unit = centredUnitRows(f.values, f.dim);
  const neighbours = await nearestNeighbours(unit, f.dim, NEIGHBOURS, signal);
  const n = f.labels.length;
  const deep = findOutliers(knnMeanDistances(neighbours, n));
  if (f.words) {
    return { duplicates: rescoreNeighbours(neighbours, -1, shingleJaccard(f.words)), outliers: deep };
  }
  if (!f.images) return { duplicates: neighbours, outliers: deep };
  const coarseDim = COARSE * COARSE;
  const fineDim = FINE * FINE;
  const candidates = await nearestNeighbours(
    selfCentredUnitRows(f.images.coarse, coarseDim),
    coarseDim,
    NEIGHBOURS,
    signal,
  );
  const fine = selfCentredUnitRows(boxBlur(f.images.fine, FINE), fineDim);
  const duplicates = rescoreNeighbours(candidates, CANDIDATE_SIMILARITY, rowDot(fine, fineDim));
  const look = findOutliers(knnMeanDistances(await nearestNeighbours(fine, fineDim, NEIGHBOURS, signal), n));
  const byIndex = new Map<number, Outlier>();
  for (const o of [...deep.outliers, ...look.outliers]) {
    const had = byIndex.get(o.index);
    if (!had || o.z > had.z) byIndex.set(o.index, o);
  }
  return {
    duplicates,
    outliers: { outliers: [...byIndex.values()].sort((a, b) => b.z - a.z), threshold: deep.threshold },
  };
}

/** Out-of-fold probabilities averaged over every repeat of the folds. */
async function outOfFold(
  values: Float32Array,
  dim: number,
  classes: number,
  plan: FoldPlan,
  signal?: AbortSignal,
): Promise<{ probs: Float32Array; predicted: number[] }> {
  const repeats: Float32Array[] = [];
  for (const folds of plan.folds) {
    const got = await crossValidateSoftmax({
      values,
      dim,
      labels: plan.labels,
      classes,
      folds,
      k: plan.k,
      l2: PROBE_L2,
      ...(signal ? { signal } : {}),
    });
    repeats.push(got.probabilities);
  }
  return meanProbabilities(repeats, classes);
}

function accuracyOf(labels: readonly number[], predicted: readonly number[]): AuditSummary['accuracy'] {
  const hits = labels.filter((l, i) => predicted[i] === l).length;
  const n = labels.length;
  const interval = wilsonInterval(hits, n);
  return {
    value: r4(n > 0 ? hits / n : 0),
    interval: { ...interval, low: r4(interval.low), high: r4(interval.high) },
    examples: n,
  };
}

/** The probe's out-of-fold accuracy on the examples nothing flagged, trained on them only. */
async function accuracyWithout(
  f: AuditFeatures,
  flagged: ReadonlySet<number>,
  classes: string[],
  opts: RunAuditJobOptions,
  warnings: string[],
): Promise<AuditSummary['accuracyWithoutFlagged']> {
  if (flagged.size === 0) return null;
  const keep = f.labels.map((_, i) => i).filter((i) => !flagged.has(i));
  const labels = keep.map((i) => f.labels[i] as number);
  const counts = classes.map((name, c) => ({ name, count: labels.filter((l) => l === c).length }));
  if (tooSmallReason(counts)) {
    warnings.push('too few examples are left without the flagged ones to estimate their cost');
    return null;
  }
  const values = new Float32Array(keep.length * f.dim);
  keep.forEach((i, r) => values.set(f.values.subarray(i * f.dim, (i + 1) * f.dim), r * f.dim));
  const plan = planFolds(labels, classes, opts.payload.seed);
  const { predicted } = await outOfFold(values, f.dim, classes.length, plan, opts.signal);
  return accuracyOf(labels, predicted);
}

const r4 = (x: number) => Number(x.toFixed(4));
