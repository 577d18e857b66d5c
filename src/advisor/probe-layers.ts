import type { Logger } from 'pino';
import { loadBaseModel, type StoredBase } from '../base-models/base-ref.js';
import type { BaseModelMeta } from '../base-models/base-model-meta.js';
import { findCatalogEntry } from '../base-models/catalog.js';
import type { CandidateSpec } from '../contracts/advisor.js';
import { findLayer } from '../contracts/layer-refs.js';
import type { DatasetExampleSource } from '../datasets/modality.js';
import { PermanentJobError } from '../jobs/retry-policy.js';
import { extractCutFeatures, measureCutCost, sampleInputs, type LayersModel } from '../ml/index.js';
import type { AdvisePayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import {
  candidateSpec,
  COST_SAMPLE,
  probedEntry,
  probeSample,
  type ProbeOptions,
  type ProbeSample,
} from './candidate.js';
import { chooseCuts, fineTuneStart, type CutPoint } from './cut-points.js';
import { openAsJob } from './open-as-job.js';
import type { Probed } from './ranking.js';
import type { FoldPlan } from './sampling.js';
import { scoreCut } from './scores.js';
import { concatFloat32 } from '../lib/float32.js';

/**
 * The advisor's probe of a LayersModel base: one forward pass per example gives the features
 * at all its cuts, then each cut gets its cross-validated softmax probe on the shared folds and
 * its cost. The base is loaded for its probes and disposed after them.
 */

/** Examples per forward batch while extracting features. */
const FEATURE_BATCH = 8;

/** The features of the probed examples at every cut, from one forward pass. */
interface CutFeatures {
  /** Per cut, the feature rows of each source in order. */
  perCut: Float32Array[][];
  /** Feature dimension at each cut. */
  dims: number[];
  labels: number[];
  /** Forward time summed over the examples. */
  forwardMs: number;
}

/** Probes every cut of a LayersModel base (the spec's, or a few chosen from its layers). */
export async function probeLayers(o: ProbeOptions, log: Logger): Promise<Probed[]> {
  const { store, payload, candidate, base } = o;
  const label = base.name ?? JSON.stringify(candidate.base);
  const cuts = resolveCuts(base, candidate.cuts, payload.cutsPerBase);
  const specs = cuts.map((c) => candidateSpec(candidate.base, c, payload.seed, o.recipe));
  const data = await openAsJob(o, specs[0] as CandidateSpec, label);
  const sample = probeSample(data, payload, o.warnings);
  const model = await loadBaseModel(store, candidate.base);
  try {
    const features = await extractFeatures(o, model, cuts, sample);
    const shared = o.sharedPlan(features.labels, o.warnings);
    const probed = await probeCuts(o, model, cuts, specs, features, shared, data.train);
    log.info(
      { base: label, forwardMsPerExample: features.forwardMs / Math.max(1, features.labels.length) },
      'base probed',
    );
    return probed;
  } finally {
    model.dispose();
  }
}

/** One forward pass over the sampled examples of each source gives the features at every cut. */
async function extractFeatures(
  o: ProbeOptions,
  model: LayersModel,
  cuts: CutPoint[],
  sample: ProbeSample,
): Promise<CutFeatures> {
  const { keep } = sample;
  const names = cuts.map((c) => c.name);
  const perCut = names.map(() => [] as Float32Array[]);
  const labels: number[] = [];
  let forwardMs = 0;
  let offset = 0;
  let done = 0;
  let dims: number[] = [];
  const total = keep ? keep.size : sample.all;
  for (const source of sample.sources) {
    const at = offset;
    const local = keep
      ? new Set([...keep].filter((i) => i >= at && i < at + source.size).map((i) => i - at))
      : undefined;
    offset += source.size;
    const got = await extractCutFeatures(model, names, source, {
      batchSize: FEATURE_BATCH,
      ...(local ? { keep: local } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onBatch: (n) => o.report({ phase: 'features', examplesDone: done + n, examples: total }),
    });
    done += got.labels.length;
    forwardMs += got.msPerExample * got.labels.length;
    labels.push(...got.labels);
    got.cuts.forEach((c, i) => (perCut[i] as Float32Array[]).push(c.values));
    dims = got.cuts.map((c) => c.dim);
  }
  return { perCut, dims, labels, forwardMs };
}

/** Each cut's probe scores on the shared folds and its cost, timed on a few of the first source's inputs. */
async function probeCuts(
  o: ProbeOptions,
  model: LayersModel,
  cuts: CutPoint[],
  specs: CandidateSpec[],
  features: CutFeatures,
  shared: FoldPlan,
  first: DatasetExampleSource,
): Promise<Probed[]> {
  const { store, candidate, base, classes } = o;
  const sample = await sampleInputs(first, Math.min(COST_SAMPLE, first.size));
  try {
    o.report({ phase: 'probing' });
    const hint = await catalogFineTuneHint(store, base);
    const probed: Probed[] = [];
    for (const [i, cut] of cuts.entries()) {
      const values = concatFloat32(features.perCut[i] as Float32Array[]);
      const dim = features.dims[i] as number;
      const scores = await scoreCut(values, dim, classes.length, shared, o.signal);
      const cost = await measureCutCost(model, cut.name, sample);
      const fineTuneFrom = fineTuneStart(base.layers, cut.index, hint);
      probed.push({
        ...probedEntry({
          candidate,
          base,
          cutAt: cut.name,
          scores,
          plan: shared,
          msPerExample: cost.msPerExample,
          featureDim: dim,
          baseParams: cost.params,
          classes: classes.length,
          spec: specs[i] as CandidateSpec,
          depth: cut.index,
        }),
        ...(fineTuneFrom ? { fineTuneFrom } : {}),
        features: { values, dim },
      });
    }
    return probed;
  } finally {
    sample.dispose();
  }
}

/** The spec's cuts, by name or index; else a few chosen from the base's layers. */
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

/** Where the catalog recommends fine-tuning its model from, for a base that came from the catalog. */
export async function catalogFineTuneHint(store: Store, base: StoredBase): Promise<string | undefined> {
  if (base.collection !== 'base-models' || !('baseModelId' in base.ref)) return undefined;
  const meta = await store
    .collection('base-models')
    .readJson<BaseModelMeta>(base.ref.baseModelId, 'meta.json')
    .catch(() => undefined);
  return meta?.source.kind === 'catalog'
    ? findCatalogEntry(meta.source.catalog)?.recommendedFineTuneFrom
    : undefined;
}
