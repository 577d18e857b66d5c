/**
 * The truth the advisor bench measures against: every candidate's ready job spec trained by the
 * trainer on the draw's digits, then scored on the held-out pool. The held-out digits go through
 * each base once per run (pooled features at every cut the advisor chose); a trained model's head
 * is applied to its cut's features, which is what the whole model computes, since the frozen
 * prefix does not change in training (checked on the first candidate of each draw).
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { loadBaseModel } from '../src/base-models/base-ref.js';
import type { AdvisorResult } from '../src/contracts/advisor.js';
import { parseJobSpec } from '../src/contracts/job-spec.js';
import { openTrainingData } from '../src/datasets/training-data.js';
import { resolveJob } from '../src/jobs/job-context.js';
import { extractCutFeatures } from '../src/ml/probe-features.js';
import { train } from '../src/ml/trainer.js';
import type { FsStore } from '../src/storage/fs-store.js';

export interface DrawContext {
  store: FsStore;
  log: Logger;
  backend: string;
  baseIds: string[];
  trainId: string;
  heldOutId: string;
  perClass: number;
  draw: number;
  cutsPerBase: number;
  /** Every cut the advisor chose per base (key: the base reference as JSON), for one held-out pass. */
  allCuts: Map<string, string[]>;
  /** Held-out features per base, at every cut, extracted once for the whole run. */
  heldFeatures: Map<string, HeldOutFeatures>;
  say: (line: string) => void;
}

/** The held-out digits' pooled features at a base's cuts, as the advisor pools them. */
export interface HeldOutFeatures {
  labels: number[];
  cuts: Map<string, { dim: number; values: Float32Array }>;
}

/**
 * The held-out features of `e`'s base at `e`'s cut: one forward pass of the held-out pool per
 * base for the whole run (at every cut the advisor chose), instead of one per candidate and draw.
 */
async function heldOutFeatures(
  c: DrawContext,
  e: AdvisorResult['ranking'][number],
  image: NonNullable<Awaited<ReturnType<typeof resolveJob>> & { ok: true }>['context']['image'],
  cutNames: string[],
): Promise<HeldOutFeatures> {
  const key = JSON.stringify(e.spec.base);
  const have = c.heldFeatures.get(key);
  if (have?.cuts.has(e.cutAt)) return have;
  const t = performance.now();
  const model = await loadBaseModel(c.store, e.spec.base!);
  try {
    const held = await openTrainingData(c.store, c.heldOutId, { image: image!, validationSplit: 0, seed: 0 });
    const got = await extractCutFeatures(model, cutNames, held.data.train, { batchSize: 8 });
    const out: HeldOutFeatures = { labels: got.labels, cuts: new Map() };
    for (const cut of got.cuts) out.cuts.set(cut.name, { dim: cut.dim, values: cut.values });
    c.heldFeatures.set(key, out);
    c.say(
      `held-out features of ${e.baseName} at ${cutNames.join(', ')}: ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    return out;
  } finally {
    model.dispose();
  }
}

/**
 * The trained model's head applied to pooled cut features: the layers after the cut (the cut is
 * the last base layer of the model, so every later layer is the head), minus the leading pooling
 * layer, which the features already went through (global average for feature maps, flatten
 * otherwise: the very pooling the spec's head starts with).
 */
function headPredict(model: tf.LayersModel, cutAt: string, xs: tf.Tensor2D): tf.Tensor {
  const at = model.layers.findIndex((l) => l.name === cutAt);
  if (at < 0) throw new Error(`the trained model has no layer ${cutAt}`);
  let head = model.layers.slice(at + 1);
  const first = head[0]?.getClassName();
  if (first === 'GlobalAveragePooling2D' || first === 'Flatten') head = head.slice(1);
  let x: tf.Tensor = xs;
  for (const layer of head) x = layer.apply(x, { training: false }) as tf.Tensor;
  return x;
}

/**
 * Trains a candidate's ready spec on the training digits and scores it on the held-out ones: the
 * head on the held-out features at its cut (the frozen prefix's output does not depend on the
 * training). With `check`, the first 16 held-out digits also go through the whole trained model
 * and must get the same predictions (so the shortcut is shown to equal the real thing).
 */
export async function trainAndScore(
  c: DrawContext,
  e: AdvisorResult['ranking'][number],
  check: boolean,
): Promise<{ heldOut: number; trainMs: number }> {
  const { store } = c;
  const t = performance.now();
  const spec = parseJobSpec({ ...e.spec, datasetId: c.trainId });
  const resolved = await resolveJob(store, spec);
  if (!resolved.ok)
    throw new Error(`spec of ${e.cutAt} does not resolve: ${JSON.stringify(resolved.errors)}`);
  const image = resolved.context.image!;
  const { data } = await openTrainingData(store, c.trainId, {
    image,
    validationSplit: spec.fit.validationSplit,
    seed: spec.seed ?? 0,
  });
  const result = await train({
    spec: resolved.context.spec,
    data,
    base: await loadBaseModel(store, spec.base!),
    pixelRange: image.scale,
  });
  const trainMs = performance.now() - t;
  try {
    const cutNames = c.allCuts.get(JSON.stringify(e.spec.base)) ?? [e.cutAt];
    const held = await heldOutFeatures(c, e, image, cutNames);
    const f = held.cuts.get(e.cutAt)!;
    const n = held.labels.length;
    const predicted = tf.tidy(() =>
      headPredict(result.model, e.cutAt, tf.tensor2d(f.values, [n, f.dim])).argMax(-1),
    );
    const labels = (await predicted.data()) as Int32Array;
    predicted.dispose();
    const correct = held.labels.filter((l, i) => labels[i] === l).length;
    if (check) await checkShortcut(c, result.model, image, labels);
    const acc = correct / n;
    c.say(
      `${e.baseName} @ ${e.cutAt}: advisor ${(e.accuracy * 100).toFixed(1)}% (${(e.accuracyInterval.low * 100).toFixed(0)} to ${(e.accuracyInterval.high * 100).toFixed(0)}), LogME ${e.logME.toFixed(3)}, k-NN ${(e.knnAccuracy * 100).toFixed(0)}%, held-out ${(acc * 100).toFixed(1)}%, trained in ${(trainMs / 1000).toFixed(1)} s`,
    );
    return { heldOut: acc, trainMs };
  } finally {
    result.model.dispose();
  }
}

/** The whole trained model on the first held-out digits must predict what the head did. */
async function checkShortcut(
  c: DrawContext,
  model: tf.LayersModel,
  image: Parameters<typeof heldOutFeatures>[2],
  viaHead: Int32Array,
): Promise<void> {
  const held = await openTrainingData(c.store, c.heldOutId, { image: image!, validationSplit: 0, seed: 0 });
  for await (const batch of held.data.train.batches(16, { shuffle: false, seed: 0, epoch: 0 })) {
    const whole = tf.tidy(() => (model.predict(batch.xs) as tf.Tensor).argMax(-1));
    const got = (await whole.data()) as Int32Array;
    tf.dispose([whole, batch.xs, batch.ys]);
    const differ = got.filter((p, i) => p !== viaHead[i]).length;
    if (differ > 0)
      throw new Error(
        `head on held-out features disagrees with the whole model on ${differ} of ${got.length}`,
      );
    return;
  }
}
