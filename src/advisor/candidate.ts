import type { StoredBase } from '../base-models/base-ref.js';
import type { AdvisorProgress, CandidateSpec } from '../contracts/advisor.js';
import type { DatasetExampleSource, DatasetTrainingData } from '../datasets/modality.js';
import type { AdvisePayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import type { DatasetManifest } from '../datasets/dataset-manifest.js';
import { autoMethod } from '../jobs/evaluation-choice.js';
import type { CutPoint } from './cut-points.js';
import { ENCODER_CUT } from './modalities.js';
import type { Probed } from './ranking.js';
import { stratifiedSample, type FoldPlan } from './sampling.js';
import type { CutScores } from './scores.js';

/**
 * What the advisor's probes of one candidate base share (probe-layers.ts for a LayersModel cut
 * at its layers, probe-encoder.ts for a sentence encoder used whole): the job spec that trains
 * each candidate, the head that spec adds, the examples probed, and the ranking's entry for it.
 */

/** Examples timed per cut for its cost. */
export const COST_SAMPLE = 4;

/** What a probe of one candidate base is given by the advisor run. */
export interface ProbeOptions {
  store: Store;
  payload: AdvisePayload;
  candidate: AdvisePayload['candidates'][number];
  base: StoredBase;
  classes: string[];
  /** Where to add warnings (the first base only). */
  warnings: string[] | undefined;
  sharedPlan: (labels: number[], warnings: string[] | undefined) => FoldPlan;
  signal: AbortSignal | undefined;
  /** How the candidates' specs fit (from the dataset's size). */
  recipe: FitRecipe;
  report: (p: Pick<AdvisorProgress, 'phase' | 'examplesDone' | 'examples'>) => void;
}

/** The examples a probe reads: every split opened, and the stratified sample of them when there are too many. */
export interface ProbeSample {
  sources: DatasetExampleSource[];
  /** Positions (across the sources, in order) of the examples probed; undefined for all of them. */
  keep: Set<number> | undefined;
  /** Examples in all the sources. */
  all: number;
}

/** The sources to probe and a stratified sample of at most payload.maxExamples (warned about, when taken). */
export function probeSample(
  data: DatasetTrainingData,
  payload: AdvisePayload,
  warnings: string[] | undefined,
): ProbeSample {
  const sources = [data.train, ...(data.validation ? [data.validation] : [])];
  const allLabels = sources.flatMap((s) => [...s.labels]);
  const keep = stratifiedSample(allLabels, payload.maxExamples, payload.seed);
  if (keep && warnings)
    warnings.push(`probed a stratified sample of ${keep.size} of ${allLabels.length} examples`);
  return { sources, keep, all: allLabels.length };
}

/** What a probe measured of one candidate, for its ranking entry. */
export interface Measured {
  candidate: AdvisePayload['candidates'][number];
  base: StoredBase;
  cutAt: string;
  scores: CutScores;
  plan: FoldPlan;
  msPerExample: number;
  featureDim: number;
  /** Parameters of the base up to the cut; the head's are added. */
  baseParams: number;
  classes: number;
  spec: CandidateSpec;
  depth: number;
}

/** The ranking's entry for a probed candidate: its scores, chance level, cost, size and spec. */
export function probedEntry(m: Measured): Probed {
  const params = m.baseParams + headParams(m.featureDim, m.classes);
  return {
    base: m.candidate.base,
    baseName: m.base.name,
    cutAt: m.cutAt,
    ...m.scores,
    chance: round(m.plan.chance),
    msPerExample: round(m.msPerExample, 2),
    featureDim: m.featureDim,
    params,
    modelBytes: params * 4,
    spec: m.spec,
    depth: m.depth,
  };
}

/**
 * The job that trains a sentence-encoder candidate: the encoder whole (no cut, no fine-tune),
 * then batch normalisation and the softmax output layer the service adds, as for image cuts.
 */
export function encoderSpec(
  base: AdvisePayload['candidates'][number]['base'],
  seed: number,
  recipe: FitRecipe,
): CandidateSpec {
  const {
    cutAt: _c,
    freeze: _f,
    ...spec
  } = candidateSpec(base, { name: ENCODER_CUT, index: 0, rank: 2 }, seed, recipe);
  return spec;
}

/**
 * How a candidate's spec fits its head. `every-example` on a small dataset (one that the job's
 * automatic evaluation cross-validates: no split of its own, under AUTO_CV_MAX_PER_CLASS examples
 * per class): every example trains, for a fixed 60 epochs, the learning rate cut when the training
 * loss stalls. Holding out a fifth for early stopping there (the `early-stopping` recipe) cost 1 to
 * 5 points of held-out accuracy at 16 and 50 MNIST digits per class and about 40 points at 8 (40%
 * against 79% on average, BENCHMARKS.md, advisor section): a validation split of one or two
 * examples per class cuts the learning rate and stops training on noise. The job's figures come
 * from its cross-validation anyway. Larger datasets keep `early-stopping`: the 20% validation
 * split with plateau and early-stopping callbacks, which there saves epochs at no such cost.
 */
export type FitRecipe = 'every-example' | 'early-stopping';

export function fitRecipe(manifest: DatasetManifest): FitRecipe {
  return autoMethod(manifest) === 'cross-validation' ? 'every-example' : 'early-stopping';
}

const FIT: Record<FitRecipe, Pick<CandidateSpec, 'fit' | 'callbacks'>> = {
  'every-example': {
    fit: { epochs: 60, batchSize: 16, validationSplit: 0 },
    callbacks: { reduceLROnPlateau: { monitor: 'loss', factor: 0.3, patience: 3 } },
  },
  'early-stopping': {
    fit: { epochs: 40, batchSize: 16, validationSplit: 0.2 },
    callbacks: {
      reduceLROnPlateau: { monitor: 'val_loss', factor: 0.3, patience: 3 },
      earlyStopping: { monitor: 'val_loss', patience: 8, restoreBestWeights: true },
    },
  },
};

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
  recipe: FitRecipe,
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
    ...FIT[recipe],
    seed,
  };
}

/** Parameters of the head a candidate spec adds: batch normalisation and the output layer. */
export function headParams(dim: number, classes: number): number {
  return 4 * dim + dim * classes + classes;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));
