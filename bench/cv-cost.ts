/**
 * Cost of a 5-fold cross-validation with its refit, relative to one fit, for a head-only job on
 * a frozen base (features shared by every run) and for the same job with a fine-tune phase:
 * MNIST digits 0-4, 50 per class, the small seeded CNN of the tests as base; and a head-only job
 * on the offline MobileNetV2 at 224x224, where the frozen prefix is most of a fit. A section of
 * `npm run bench:evaluation`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeNsfwjsMobileNetV2 } from '../src/base-models/nsfwjs-mobilenet-v2.js';
import { type JobSpec, parseJobSpec } from '../src/contracts/job-spec.js';
import { stratifiedFolds } from '../src/evaluation/index.js';
import { refit, runFolds, sharedFeaturesFor } from '../src/ml/cross-validate.js';
import type { TrainingData } from '../src/ml/example-source.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { cloneModel, loadModelFromDir } from '../src/ml/model-io.js';
import { train } from '../src/ml/trainer.js';
import { mnistData } from '../test/helpers/mnist.js';
import { seededCnn } from '../test/helpers/ml-models.js';

export interface CvCostRow {
  recipe: string;
  examples: number;
  oneFitMs: number;
  cvWithRefitMs: number;
  /** Passes of a frozen prefix over the examples, all runs together. */
  featurePasses: number;
}

const FOLDS = 5;

function spec(o: { fineTune?: boolean; cutAt?: string } = {}): JobSpec {
  return parseJobSpec({
    datasetId: 'ds_0123456789abcdef',
    base: { baseModelId: 'bm_0123456789abcdef' },
    cutAt: o.cutAt ?? 'flatten',
    head: [{ type: 'dense', units: 32 }],
    fit: { epochs: 10, batchSize: 16 },
    ...(o.fineTune ? { fineTune: { unfreezeFrom: 'conv2', epochs: 5, learningRate: 1e-4 } } : {}),
    seed: 1,
  });
}

/** One fit of `spec`, then 5 folds and the refit, each from a fresh base of `makeBase`. */
async function measure(
  recipe: string,
  jobSpec: JobSpec,
  data: TrainingData,
  makeBase: () => Promise<tf.LayersModel>,
): Promise<CvCostRow> {
  // A first run of new shapes pays for the backend's warm-up: not part of either side.
  const warm = await train({
    spec: { ...jobSpec, fit: { ...jobSpec.fit, epochs: 1 } },
    data,
    base: await makeBase(),
  });
  warm.model.dispose();
  let t = performance.now();
  const one = await train({ spec: jobSpec, data, base: await makeBase() });
  one.model.dispose();
  const oneFitMs = performance.now() - t;
  const foldOf = stratifiedFolds([...data.train.labels], FOLDS, 1);
  const heldOut = Array.from({ length: FOLDS }, (_, f) => foldOf.flatMap((g, i) => (g === f ? [i] : [])));
  const plan = { spec: jobSpec, data, base: await makeBase(), shared: sharedFeaturesFor(data) };
  t = performance.now();
  const outcomes = await runFolds(plan, { heldOut, stage: 'fold' });
  const epochs = outcomes.map((o) => o.bestEpochs);
  const r = await refit(plan, {
    train: jobSpec.fit.epochs,
    ...(jobSpec.fineTune ? { fineTune: epochs[0]?.fineTune ?? jobSpec.fineTune.epochs } : {}),
  });
  r.model.dispose();
  const examples = data.train.size;
  return {
    recipe,
    examples,
    oneFitMs,
    cvWithRefitMs: performance.now() - t,
    featurePasses: plan.shared.passes,
  };
}

/** Two classes of noisy colour images at 224x224 (the cost does not depend on what they show). */
function colourImages(n: number): MemorySource {
  const per = 224 * 224 * 3;
  const x = new Float32Array(n * per);
  const labels: number[] = [];
  let s = 1;
  for (let i = 0; i < n; i++) {
    labels.push(i % 2);
    for (let j = 0; j < per; j++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      x[i * per + j] = (j % 3 === i % 2 ? 0.7 : 0.3) + ((s >> 8) % 100) / 500;
    }
  }
  return new MemorySource(x, labels, [224, 224, 3]);
}

export async function benchCvCost(log: (line: string) => void = () => undefined): Promise<CvCostRow[]> {
  const rows: CvCostRow[] = [];
  const digits = mnistData([0, 1, 2, 3, 4], { perDigit: 50, offset: 0 });
  for (const fineTune of [false, true]) {
    const recipe = fineTune
      ? 'small CNN + fine-tune from `conv2`, 5 epochs'
      : 'small CNN, head only (frozen)';
    rows.push(await measure(recipe, spec({ fineTune }), digits, async () => seededCnn(1)));
    log(`cv cost, ${recipe}: ${(rows.at(-1)!.cvWithRefitMs / rows.at(-1)!.oneFitMs).toFixed(2)}x`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cv-cost-mnv2-'));
  try {
    await writeNsfwjsMobileNetV2(dir);
    const mobilenet = await loadModelFromDir(dir);
    try {
      const images: TrainingData = {
        kind: 'image',
        task: 'classification',
        classes: ['a', 'b'],
        inputShape: [224, 224, 3],
        train: colourImages(60),
      };
      const recipe = 'MobileNetV2 224, head only (frozen, cut at `flatten_1`)';
      rows.push(await measure(recipe, spec({ cutAt: 'flatten_1' }), images, () => cloneModel(mobilenet)));
      log(`cv cost, ${recipe}: ${(rows.at(-1)!.cvWithRefitMs / rows.at(-1)!.oneFitMs).toFixed(2)}x`);
    } finally {
      mobilenet.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
