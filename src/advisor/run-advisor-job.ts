import type { Logger } from 'pino';
import { describeBase, loadBaseModel, type StoredBase } from '../base-models/base-ref.js';
import { findCatalogEntry } from '../base-models/catalog.js';
import type { BaseModelMeta } from '../base-models/base-model-meta.js';
import type { AdvisorProgress, AdvisorResult, CandidateSpec, RankingEntry } from '../contracts/advisor.js';
import { parseJobSpec } from '../contracts/job-spec.js';
import { readManifest, TEXTS_FILE, type TextIndex } from '../datasets/dataset-manifest.js';
import { openTrainingData } from '../datasets/training-data.js';
import { resolveJob } from '../jobs/job-context.js';
import { PermanentJobError, jobFailure } from '../jobs/retry-policy.js';
import { liveTensors } from '../ml/backend.js';
import { findLayer } from '../ml/layer-refs.js';
import { loadSentenceEncoder } from '../ml/sentence-encoder.js';
import { extractCutFeatures, measureCutCost, sampleInputs } from '../ml/probe-features.js';
import type { AdvisePayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { chooseCuts, fineTuneStart, type CutPoint } from './cut-points.js';
import { planFolds, stratifiedSample, type FoldPlan } from './sampling.js';
import { scoreCut } from './scores.js';
import { ENCODER_CUT, tooSmallReason, unsupportedReason } from './modalities.js';
import { rank, recommend, type Probed } from './ranking.js';

export interface RunAdvisorJobOptions {
  store: Store;
  payload: AdvisePayload;
  backend: string;
  signal?: AbortSignal;
  report: (progress: AdvisorProgress) => Promise<void> | void;
  log: Logger;
}

/** Examples per forward batch while extracting features. */
const FEATURE_BATCH = 8;
/** Examples timed per cut for its cost. */
const COST_SAMPLE = 4;

/**
 * One advisor run: for each candidate base, one forward pass per example gives the features
 * at all its cuts; each (base, cut) gets a k-fold cross-validated softmax probe and its cost;
 * then the ranking and the advice. Bases are loaded one at a time and disposed after their
 * probes. Bad input fails permanently (PermanentJobError); cancellation aborts at the next batch.
 */
export async function runAdvisorJob(opts: RunAdvisorJobOptions): Promise<AdvisorResult> {
  const started = Date.now();
  const tensorsBefore = liveTensors();
  const { store, payload } = opts;
  const report = (p: AdvisorProgress): void => {
    void Promise.resolve(opts.report(p)).catch((err: unknown) =>
      opts.log.warn({ err }, 'could not report progress'),
    );
  };
  try {
    const manifest = await readManifest(store, payload.datasetId);
    const unsupported = unsupportedReason(manifest);
    if (unsupported) throw new PermanentJobError(unsupported);
    const classes = manifest.classes.map((c) => c.name);
    const warnings: string[] = [];
    const probed: Probed[] = [];
    // One plan for every candidate: the same examples in the same folds, so differences are paired.
    let plan: FoldPlan | undefined;
    const sharedPlan = (labels: number[], warn: string[] | undefined): FoldPlan => {
      plan ??= foldPlan(labels, classes, payload.seed, warn);
      if (plan.labels.length !== labels.length || plan.labels.some((l, i) => l !== labels[i])) {
        throw new Error('candidates were probed on different examples; their comparison would not be paired');
      }
      return plan;
    };
    for (const [b, candidate] of payload.candidates.entries()) {
      const base = await describeBase(store, candidate.base);
      const label = base.name ?? JSON.stringify(candidate.base);
      report({ phase: 'loading', base: label, basesDone: b, bases: payload.candidates.length });
      if (base.encoder) {
        const got = await probeEncoder({
          store,
          payload,
          candidate,
          base,
          classes,
          warnings: b === 0 ? warnings : undefined,
          sharedPlan,
          signal: opts.signal,
          report: (p) => report({ ...p, base: label, basesDone: b, bases: payload.candidates.length }),
        });
        probed.push(got);
        continue;
      }
      const cuts = resolveCuts(base, candidate.cuts, payload.cutsPerBase);
      const specs = cuts.map((c) => candidateSpec(candidate.base, c, payload.seed));
      // The very preprocessing (and checks) a job with this spec would get.
      // Probes have folds of their own: the job's evaluation choice (and its checks) does not apply.
      const resolved = await resolveJob(
        store,
        parseJobSpec({ ...specs[0], datasetId: payload.datasetId, evaluation: { method: 'holdout' } }),
      );
      if (!resolved.ok) {
        throw new PermanentJobError(
          `base ${label} does not fit the dataset: ` +
            resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        );
      }
      const { data } = await openTrainingData(store, payload.datasetId, {
        ...(resolved.context.image ? { image: resolved.context.image } : {}),
        validationSplit: 0,
        seed: payload.seed,
      });
      const sources = [data.train, ...(data.validation ? [data.validation] : [])];
      const allLabels = sources.flatMap((s) => [...s.labels]);
      const keep = stratifiedSample(allLabels, payload.maxExamples, payload.seed);
      if (keep && b === 0)
        warnings.push(`probed a stratified sample of ${keep.size} of ${allLabels.length} examples`);
      const model = await loadBaseModel(store, candidate.base);
      try {
        const names = cuts.map((c) => c.name);
        const perCut = names.map(() => [] as Float32Array[]);
        const labels: number[] = [];
        let forwardMs = 0;
        let offset = 0;
        let done = 0;
        let dims: number[] = [];
        const total = keep ? keep.size : allLabels.length;
        for (const source of sources) {
          const at = offset;
          const local = keep
            ? new Set([...keep].filter((i) => i >= at && i < at + source.size).map((i) => i - at))
            : undefined;
          offset += source.size;
          const got = await extractCutFeatures(model, names, source, {
            batchSize: FEATURE_BATCH,
            ...(local ? { keep: local } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
            onBatch: (n) =>
              report({
                phase: 'features',
                base: label,
                basesDone: b,
                bases: payload.candidates.length,
                examplesDone: done + n,
                examples: total,
              }),
          });
          done += got.labels.length;
          forwardMs += got.msPerExample * got.labels.length;
          labels.push(...got.labels);
          got.cuts.forEach((c, i) => (perCut[i] as Float32Array[]).push(c.values));
          dims = got.cuts.map((c) => c.dim);
        }
        const shared = sharedPlan(labels, b === 0 ? warnings : undefined);
        const first = data.train;
        const sample = await sampleInputs(first, Math.min(COST_SAMPLE, first.size));
        try {
          report({ phase: 'probing', base: label, basesDone: b, bases: payload.candidates.length });
          const hint = await catalogFineTuneHint(store, base);
          for (const [i, cut] of cuts.entries()) {
            const values = concat(perCut[i] as Float32Array[]);
            const dim = dims[i] as number;
            const scores = await scoreCut(values, dim, classes.length, shared, opts.signal);
            const cost = await measureCutCost(model, cut.name, sample);
            const params = cost.params + headParams(dim, classes.length);
            const fineTuneFrom = fineTuneStart(base.layers, cut.index, hint);
            probed.push({
              base: candidate.base,
              baseName: base.name,
              cutAt: cut.name,
              ...scores,
              chance: round(shared.chance),
              msPerExample: round(cost.msPerExample, 2),
              featureDim: dim,
              params,
              modelBytes: params * 4,
              spec: specs[i] as CandidateSpec,
              depth: cut.index,
              ...(fineTuneFrom ? { fineTuneFrom } : {}),
            });
          }
        } finally {
          sample.dispose();
        }
        opts.log.info(
          { base: label, forwardMsPerExample: forwardMs / Math.max(1, labels.length) },
          'base probed',
        );
      } finally {
        model.dispose();
      }
    }
    report({ phase: 'ranking', basesDone: payload.candidates.length, bases: payload.candidates.length });
    if (!plan) throw new PermanentJobError('no candidate could be probed');
    const ranked = rank(probed, plan);
    const recommendation = recommend(ranked, plan);
    const ranking: RankingEntry[] = ranked.map(
      ({ depth: _d, fineTuneFrom: _f, frozenEncoder: _e, outcomes: _o, ...e }, i) => ({
        rank: i + 1,
        ...e,
      }),
    );
    if (ranking.length > 0 && ranking.every((e) => e.atChance)) {
      warnings.push('every candidate is at chance level');
    }
    return {
      datasetId: payload.datasetId,
      examples: plan.labels.length,
      classes,
      folds: plan.k,
      repeats: plan.folds.length,
      ranking,
      recommendation,
      warnings,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    throw jobFailure(err, opts.backend);
  } finally {
    const leaked = liveTensors() - tensorsBefore;
    if (leaked !== 0) opts.log.warn({ leaked }, 'tensor count changed across the advisor run');
  }
}

/** The shared folds; refuses classes too small for k folds. */
function foldPlan(
  labels: number[],
  classes: string[],
  seed: number,
  warnings: string[] | undefined,
): FoldPlan {
  const counts = classes.map((_, c) => labels.filter((l) => l === c).length);
  const small = tooSmallReason(classes.map((name, i) => ({ name, count: counts[i] ?? 0 })));
  if (small) throw new PermanentJobError(small);
  const plan = planFolds(labels, classes, seed);
  if (warnings && Math.min(...counts) < 5) {
    warnings.push(
      `the smallest class has ${Math.min(...counts)} examples: ${plan.k}-fold estimates are noisy (see accuracyInterval)`,
    );
  }
  return plan;
}

interface ProbeEncoderOptions {
  store: Store;
  payload: AdvisePayload;
  candidate: AdvisePayload['candidates'][number];
  base: StoredBase;
  classes: string[];
  /** Where to add warnings (the first base only). */
  warnings: string[] | undefined;
  sharedPlan: (labels: number[], warnings: string[] | undefined) => FoldPlan;
  signal: AbortSignal | undefined;
  report: (p: Pick<AdvisorProgress, 'phase' | 'examplesDone' | 'examples'>) => void;
}

/**
 * A sentence encoder (a frozen GraphModel) has one cut, its embedding: the text modality
 * encodes every text once, exactly as a job on this base would (and caches the embeddings for
 * that job), the probe runs on them, and the cost is a timed encoding of a few of the texts.
 */
async function probeEncoder(o: ProbeEncoderOptions): Promise<Probed> {
  const { store, payload, candidate, base, classes } = o;
  const encoder = base.encoder as NonNullable<StoredBase['encoder']>;
  const label = base.catalog ?? base.name ?? 'the sentence encoder';
  for (const ref of candidate.cuts ?? []) {
    if (ref !== ENCODER_CUT) {
      throw new PermanentJobError(`${label} is a GraphModel used whole: its one cut is '${ENCODER_CUT}'`);
    }
  }
  const spec = encoderSpec(candidate.base, payload.seed);
  const resolved = await resolveJob(
    store,
    parseJobSpec({ ...spec, datasetId: payload.datasetId, evaluation: { method: 'holdout' } }),
  );
  if (!resolved.ok || !resolved.context.text) {
    const why = resolved.ok
      ? 'not a text job'
      : resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new PermanentJobError(`base ${label} does not fit the dataset: ${why}`);
  }
  const { data } = await openTrainingData(store, payload.datasetId, {
    text: resolved.context.text,
    validationSplit: 0,
    seed: payload.seed,
    onPrepare: (done, total) => o.report({ phase: 'features', examplesDone: done, examples: total }),
  });
  const sources = [data.train, ...(data.validation ? [data.validation] : [])];
  const allLabels = sources.flatMap((s) => [...s.labels]);
  const keep = stratifiedSample(allLabels, payload.maxExamples, payload.seed);
  if (keep && o.warnings)
    o.warnings.push(`probed a stratified sample of ${keep.size} of ${allLabels.length} examples`);
  const dim = encoder.dimension;
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  let at = 0;
  for (const source of sources) {
    for await (const batch of source.batches(256, { shuffle: false, seed: payload.seed, epoch: 0 })) {
      try {
        const xs = (await batch.xs.data()) as Float32Array;
        const ys = await batch.ys.data();
        for (let i = 0; i < ys.length; i++, at++) {
          if (keep && !keep.has(at)) continue;
          rows.push(xs.slice(i * dim, (i + 1) * dim));
          labels.push(ys[i] as number);
        }
      } finally {
        batch.xs.dispose();
        batch.ys.dispose();
      }
    }
  }
  const plan = o.sharedPlan(labels, o.warnings);
  o.report({ phase: 'probing' });
  const scores = await scoreCut(concat(rows), dim, classes.length, plan, o.signal);
  const msPerExample = await timeEncoder(store, payload.datasetId, base.dir);
  const params = base.params.total + headParams(dim, classes.length);
  return {
    base: candidate.base,
    baseName: base.name,
    cutAt: ENCODER_CUT,
    ...scores,
    chance: round(plan.chance),
    msPerExample: round(msPerExample, 2),
    featureDim: dim,
    params,
    modelBytes: params * 4,
    spec,
    depth: 0,
    frozenEncoder: label,
  };
}

/** Milliseconds per text of the encoder on a few of the dataset's texts (after one warm-up call). */
async function timeEncoder(store: Store, datasetId: string, dir: string): Promise<number> {
  const index = await store.collection('datasets').readJson<TextIndex>(datasetId, TEXTS_FILE);
  const texts = index.texts.slice(0, COST_SAMPLE);
  const encoder = await loadSentenceEncoder(dir);
  try {
    await encoder.encode(texts.slice(0, 1));
    const t0 = performance.now();
    await encoder.encode(texts);
    return (performance.now() - t0) / Math.max(1, texts.length);
  } finally {
    encoder.dispose();
  }
}

/**
 * The job that trains a sentence-encoder candidate: the encoder whole (no cut, no fine-tune),
 * then batch normalisation and the softmax output layer the service adds, as for image cuts.
 */
export function encoderSpec(base: AdvisePayload['candidates'][number]['base'], seed: number): CandidateSpec {
  const {
    cutAt: _c,
    freeze: _f,
    ...spec
  } = candidateSpec(base, { name: ENCODER_CUT, index: 0, rank: 2 }, seed);
  return spec;
}

function resolveCuts(
  base: StoredBase,
  cuts: AdvisePayload['candidates'][number]['cuts'],
  count: number,
): CutPoint[] {
  if (!cuts) return chooseCuts(base.layers, base.recommendedCutAt, count);
  return cuts.map((ref) => {
    const i = findLayer(base.layers, ref);
    if (typeof i === 'string') throw new PermanentJobError(`cut ${JSON.stringify(ref)}: ${i}`);
    const layer = base.layers[i]!;
    const shape = layer.outputShape;
    return { name: layer.name, index: i, rank: Array.isArray(shape[0]) ? 0 : shape.length };
  });
}

/**
 * The job that trains a candidate: the base frozen up to the cut, its output pooled as the probe
 * pooled it, then batch normalisation (the probe standardises its features; a head without it
 * trains far slower on unscaled features such as pre-activation block outputs) and the softmax
 * output layer the service adds.
 */
export function candidateSpec(
  base: AdvisePayload['candidates'][number]['base'],
  cut: CutPoint,
  seed: number,
): CandidateSpec {
  const pool: CandidateSpec['head'] =
    cut.rank === 4 ? [{ type: 'globalAveragePooling2d' }] : cut.rank === 2 ? [] : [{ type: 'flatten' }];
  return {
    base,
    cutAt: cut.name,
    freeze: 'all',
    // Momentum 0.9: a few dozen steps of a small dataset must be enough for the moving averages
    // that inference uses (at 0.99 they would still lean on their initial values).
    head: [...(pool ?? []), { type: 'batchNormalization', momentum: 0.9 }],
    compile: { optimizer: 'adam', learningRate: 0.01 },
    fit: { epochs: 40, batchSize: 16, validationSplit: 0.2 },
    callbacks: {
      reduceLROnPlateau: { monitor: 'val_loss', factor: 0.3, patience: 3 },
      earlyStopping: { monitor: 'val_loss', patience: 8, restoreBestWeights: true },
    },
    seed,
  };
}

/** Parameters of the head a candidate spec adds: batch normalisation and the output layer. */
export function headParams(dim: number, classes: number): number {
  return 4 * dim + dim * classes + classes;
}

async function catalogFineTuneHint(store: Store, base: StoredBase): Promise<string | undefined> {
  if (base.collection !== 'base-models' || !('baseModelId' in base.ref)) return undefined;
  const meta = await store
    .collection('base-models')
    .readJson<BaseModelMeta>(base.ref.baseModelId, 'meta.json')
    .catch(() => undefined);
  return meta?.source.kind === 'catalog'
    ? findCatalogEntry(meta.source.catalog)?.recommendedFineTuneFrom
    : undefined;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));
