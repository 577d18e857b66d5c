/**
 * Calibration and the "unknown" answer on real digits, through the job's own pipeline: a CNN
 * is cross-validated (5 folds) and refit on 8, 16 or 50 examples per class of MNIST digits 0-4,
 * the temperature and the novelty threshold are fitted on its out-of-fold predictions exactly as
 * a job does (src/jobs/score-rules.ts), and the refit model is then scored on 100 held-out
 * digits of each known class and 100 of each unseen digit 5-9.
 *
 * Reported per size (mean over draws of the training examples): ECE of the known test digits
 * before and after calibration; AUROC of "unseen vs known" for the served kNN novelty, for
 * Mahalanobis with a shrunk shared covariance on the same features (the other candidate), and
 * for the max-softmax baseline (1 - top score); the share of known test digits the threshold
 * accepts (target 95%) and of unseen ones it answers unknown. Also predict throughput of the
 * inference worker's forward pass with novelty on and off.
 *
 *   npx tsx bench/unknown.ts
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { parseJobSpec } from '../src/contracts/job-spec.js';
import { MAX_REFERENCES, auroc, knnDistances, normalizeRows } from '../src/evaluation/novelty.js';
import type { Reference } from '../src/jobs/score-rules.js';
import { evaluate, outputsCollector, type ExampleOutputs } from '../src/ml/evaluate.js';
import type { TrainingData } from '../src/ml/example-source.js';
import { forward, forwardWithNovelty, noveltyScorer } from '../src/ml/inference.js';
import { lossFunction } from '../src/ml/losses.js';
import type { MemorySource } from '../src/ml/memory-source.js';
import { cloneModel } from '../src/ml/model-io.js';
import { train } from '../src/ml/trainer.js';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { median, type BenchSection } from './report.js';
import { CUT_AT, digitSource, trainSourceModel } from './transfer-mnist.js';
import { calibrationDraw, drawLine, meanOfDraws, type DrawResult } from './unknown-draw.js';

const KNOWN = [0, 1, 2, 3, 4];
const UNSEEN = [5, 6, 7, 8, 9];
const TEST_OFFSET = 700;
const TEST_PER_DIGIT = 100;
const SIZES = [8, 16, 50];
const DRAWS = 3;
const FOLDS = 5;

const spec = parseJobSpec({
  datasetId: 'ds_0000000000000000',
  architecture: [
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
  ],
  head: [{ type: 'dense', units: 32, activation: 'relu' }],
  compile: { learningRate: 0.003 },
  fit: { epochs: 30, batchSize: 16 },
  callbacks: { earlyStopping: { monitor: 'val_loss', patience: 5, restoreBestWeights: true } },
  evaluation: { method: 'cross-validation', folds: FOLDS, learningCurve: false },
  seed: 1,
});

export interface UnknownRow extends DrawResult {
  examplesPerClass: number;
  draws: number;
}

export interface ThroughputRow {
  model: string;
  batch: number;
  references: number;
  dims: number;
  offPerSec: number;
  onPerSec: number;
  /** Median over paired windows of (rows/s on) / (rows/s off). */
  ratio: number;
}

export interface UnknownBench {
  rows: UnknownRow[];
  featureLayers: FeatureLayerRow[];
  throughput: ThroughputRow[];
  backend: string;
}

function data(train: MemorySource): TrainingData {
  return {
    kind: 'image',
    task: 'classification',
    classes: KNOWN.map(String),
    inputShape: [28, 28, 1],
    train,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function oneDraw(perClass: number, draw: number) {
  return calibrationDraw({
    spec,
    data: data(digitSource(KNOWN, perClass, draw * perClass)),
    known: digitSource(KNOWN, TEST_PER_DIGIT, TEST_OFFSET),
    unseen: digitSource(UNSEEN, TEST_PER_DIGIT, TEST_OFFSET),
    folds: FOLDS,
    seed: draw,
  });
}

/** Rows per second of the worker's forward pass, novelty off and on, on the same model. */
function throughput(
  name: string,
  model: tf.LayersModel,
  shape: number[],
  reference: Reference,
): ThroughputRow {
  const batch = 32;
  const size = shape.reduce((a, b) => a * b, 1);
  const input = Float32Array.from({ length: batch * size }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const scorer = noveltyScorer(model, reference.values, reference.dims, 1);
  const time = (f: () => void, ms: number) => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms) {
      f();
      n += batch;
    }
    return (n * 1000) / (performance.now() - t0);
  };
  const off = () => forward(model, input, batch, shape);
  const on = () => forwardWithNovelty(scorer, input, batch, shape);
  time(off, 500);
  time(on, 500);
  // Short windows, alternated, paired: on a shared machine the load changes from second to
  // second, and each pair's ratio sees nearly the same load on both sides.
  const offs: number[] = [];
  const ons: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < 30; pair++) {
    const a = time(off, 250);
    const b = time(on, 250);
    offs.push(a);
    ons.push(b);
    ratios.push(b / a);
  }
  scorer.dispose();
  return {
    model: name,
    batch,
    references: reference.count,
    dims: reference.dims,
    offPerSec: median(offs),
    onPerSec: median(ons),
    ratio: median(ratios),
  };
}

/** The MNIST CNN of this section (random weights: speed does not depend on them). */
function mnistCnn(): tf.LayersModel {
  const conv = (filters: number, extra = {}) =>
    tf.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', ...extra });
  return tf.sequential({
    layers: [
      conv(8, { inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(16),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

/** A CIFAR-sized CNN (32-64-128 filters, global pooling, 10 classes) with random weights. */
function cifarCnn(): tf.LayersModel {
  const conv = (filters: number, extra = {}) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
  return tf.sequential({
    layers: [
      conv(32, { inputShape: [32, 32, 3] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(128),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** The worker's forward pass with novelty off and on, for a small and a mid-sized model. */
export async function throughputs(o: { log: (line: string) => void }): Promise<ThroughputRow[]> {
  const cases = [
    {
      name: 'MNIST CNN 8-16 + dense 32 (28x28x1)',
      model: mnistCnn(),
      shape: [28, 28, 1],
      refs: 250,
      dims: 32,
    },
    {
      name: 'CNN 32-64-128 (32x32x3)',
      model: cifarCnn(),
      shape: [32, 32, 3],
      refs: MAX_REFERENCES,
      dims: 128,
    },
  ];
  const out: ThroughputRow[] = [];
  for (const c of cases) {
    const row = throughput(c.name, c.model, c.shape, randomReference(c.refs, c.dims));
    o.log(
      `${c.name}: ${row.offPerSec.toFixed(0)} rows/s off, ${row.onPerSec.toFixed(0)} on, ratio ${row.ratio.toFixed(3)}`,
    );
    out.push(row);
    c.model.dispose();
  }
  return out;
}

/** The most references a model keeps (MAX_REFERENCES), random unit rows: the worst case. */
function randomReference(count: number, dims: number): Reference {
  const values = Float32Array.from({ length: count * dims }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  return { values: normalizeRows(values, dims), dims, count };
}

export async function benchUnknown(o: { log: (line: string) => void }): Promise<UnknownBench> {
  const rows: UnknownRow[] = [];
  for (const perClass of SIZES) {
    const draws: DrawResult[] = [];
    for (let d = 0; d < DRAWS; d++) {
      const r = await oneDraw(perClass, d);
      o.log(drawLine(`${perClass}/class draw ${d}`, r));
      r.model.dispose();
      draws.push(r);
    }
    rows.push({ examplesPerClass: perClass, draws: DRAWS, ...meanOfDraws(draws) });
  }
  return {
    rows,
    featureLayers: await featureLayerRows(o),
    throughput: await throughputs(o),
    backend: tf.getBackend(),
  };
}

const f3 = (v: number) => v.toFixed(3);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The two BENCHMARKS.md sections of this bench. */
export function unknownSections(b: UnknownBench): BenchSection[] {
  const first = b.rows[0];
  return [
    {
      title: 'Calibration and unknown answers (MNIST 0-4 known, 5-9 unseen)',
      description:
        `A small CNN (two conv blocks, dense 32) is cross-validated (${FOLDS} folds, early stopping) and refit on N examples per class of digits 0-4, ` +
        'and the temperature and the novelty threshold (95% accept rate) are fitted on its out-of-fold predictions as a job does. The refit model then scores ' +
        `${first?.testKnown ?? 500} held-out known digits and ${first?.testUnseen ?? 500} unseen digits 5-9. Means over ${first?.draws ?? DRAWS} draws of the training examples (backend: ${b.backend}). ` +
        'ECE: 15 bins, on the known test digits. ‘ECE of a calibrated model’: the mean ECE, over 200 simulations, when each calibrated prediction is right with probability equal to its confidence (src/evaluation/calibration.ts, `eceFloor`): ECE’s estimate is biased upwards on a few hundred examples, and this is what a perfectly calibrated model would show on them. AUROC: unseen vs known, for the served kNN novelty, for Mahalanobis with a shrunk shared covariance on the same features, and for the max-softmax baseline (1 - top score).',
      columns: [
        'examples/class',
        'accuracy',
        'T',
        'ECE raw',
        'ECE calibrated',
        'ECE of a calibrated model',
        'AUROC kNN (served)',
        'AUROC Mahalanobis',
        'AUROC max-softmax',
        'known accepted',
        'unseen answered unknown',
      ],
      rows: b.rows.map((r) => [
        String(r.examplesPerClass),
        pct(r.accuracy),
        f3(r.temperature),
        f3(r.eceBefore),
        f3(r.eceAfter),
        f3(r.eceFloor),
        f3(r.aurocKnn),
        f3(r.aurocMahalanobis),
        f3(r.aurocMaxSoftmax),
        pct(r.knownAccepted),
        pct(r.unseenUnknown),
      ]),
      notes: [
        `Out-of-fold ECE (cross-fitted temperature), mean: ${b.rows.map((r) => `${r.examplesPerClass}/class ${f3(r.oofEceBefore)} → ${f3(r.oofEceAfter)}`).join(', ')}.`,
        'Targets were AUROC ≥ 0.85 and ECE < 0.05. This CNN trained from scratch is already close to calibrated (T near 1), so temperature scaling has little to fix and at 8 per class, where the fold models are fitted on 80% of 40 digits, it can make the refit slightly worse: the temperature is fitted on fold models and applied to the model refit on every example.',
        'The same transfer of a threshold from fold models to the refit makes the known test digits accepted a little under the 95% target.',
        'Each AUROC rests on 1000 test digits (500 + 500) per draw; the spread between draws (see the log of `npx tsx bench/unknown.ts`) is about ±0.03.',
      ],
    },
    {
      title: 'Novelty in a transfer job: which features to read',
      description:
        'A base CNN trained on 4000 digits 0-4 is cut after its convolutions and frozen; a dense head (32) learns digits 5-7 from N examples each; digits 8-9 are unseen. ' +
        `AUROC (unseen vs known, ${TEST_PER_DIGIT} test digits per class) of kNN novelty on the head’s penultimate features (what the service reads) and on the frozen base’s features at the cut (what the head reads), and of max-softmax. Mean over ${b.featureLayers[0]?.draws ?? 2} draws.`,
      columns: [
        'examples/class',
        'AUROC penultimate (served)',
        'AUROC base features at the cut',
        'AUROC max-softmax',
      ],
      rows: b.featureLayers.map((r) => [
        String(r.examplesPerClass),
        f3(r.aurocPenultimate),
        f3(r.aurocCut),
        f3(r.aurocMaxSoftmax),
      ]),
      notes: [
        'The two feature layers are within the draws’ spread of each other here, so the service reads the one every classifier has (the output layer’s input), the same for transfer and from-scratch models.',
      ],
    },
    {
      title: 'Predict cost of the novelty score',
      description:
        'Rows per second of the inference worker’s forward pass (src/ml/inference.ts) on batches of 32, without and with the novelty score (features of the output layer’s input, one product with the reference, the k-th largest). ' +
        'Random weights (speed does not depend on them) and random unit references. Medians over 30 paired, alternating 250 ms windows, so that the load of a shared machine falls on both sides of each pair.',
      columns: ['model', 'references × dims', 'rows/s off', 'rows/s on', 'on / off'],
      rows: b.throughput.map((t) => [
        t.model,
        `${t.references} × ${t.dims}`,
        t.offPerSec,
        t.onPerSec,
        `${t.ratio.toFixed(2)}x`,
      ]),
      notes: [
        'Target: under 10% slower. ' +
          b.throughput
            .map(
              (t) =>
                `${t.model}: ${((1 - t.ratio) * 100).toFixed(0)}% slower (${(1e6 / t.offPerSec).toFixed(0)} µs per row without novelty)`,
            )
            .join('; ') +
          '. The novelty adds a fixed few kernels per batch, which weigh most on the smallest forward passes; HTTP, JSON and image decoding, not measured here, add to both sides of a real request alike.',
      ],
    },
  ];
}

export interface FeatureLayerRow {
  examplesPerClass: number;
  draws: number;
  /** kNN novelty on the output layer's input (what the service uses). */
  aurocPenultimate: number;
  /** kNN novelty on the frozen base's features at the cut (what the head reads). */
  aurocCut: number;
  aurocMaxSoftmax: number;
}

/**
 * Which features the novelty should read in a transfer job: a base CNN trained on 4000 digits
 * 0-4 is cut after its convolutions and frozen, a dense head learns digits 5-7 from N examples
 * each, and digits 8-9 are the unseen ones. kNN novelty (k = 1, every training example as
 * reference) on the head's penultimate features against the frozen base's features at the cut.
 */
export async function featureLayerRows(o: { log: (line: string) => void }): Promise<FeatureLayerRow[]> {
  const known = [5, 6, 7];
  const unseen = [8, 9];
  const source = await trainSourceModel({ perDigit: 800, epochs: 5 });
  const rows: FeatureLayerRow[] = [];
  try {
    for (const perClass of SIZES) {
      const per: Array<{ pen: number; cut: number; msp: number }> = [];
      for (let draw = 0; draw < 2; draw++) {
        const train0 = digitSource(known, perClass, 50 * draw);
        const r = await train({
          spec: parseJobSpec({
            datasetId: 'ds_0000000000000000',
            base: { baseModelId: 'bm_0000000000000000' },
            cutAt: CUT_AT,
            freeze: 'all',
            head: [{ type: 'dense', units: 32, activation: 'relu' }],
            compile: { learningRate: 0.003 },
            fit: { epochs: 30, batchSize: Math.min(16, perClass) },
            seed: 3 + draw,
          }),
          data: {
            kind: 'image',
            task: 'classification',
            classes: known.map(String),
            inputShape: [28, 28, 1],
            train: train0,
          },
          base: await cloneModel(source.model),
        });
        try {
          const prefix = tf.model({
            inputs: r.model.inputs,
            outputs: r.model.getLayer(CUT_AT).output as tf.SymbolicTensor,
          });
          const cutCache = new Map<MemorySource, Float32Array>();
          const cutOf = async (src: MemorySource) => {
            const done = cutCache.get(src);
            if (done) return done;
            const parts: number[] = [];
            for await (const b of src.batches(64, { shuffle: false, seed: 0, epoch: 0 })) {
              const y = tf.tidy(() => (prefix.predict(b.xs) as tf.Tensor).dataSync());
              tf.dispose([b.xs, b.ys]);
              for (const v of y) parts.push(v);
            }
            const values = Float32Array.from(parts);
            cutCache.set(src, values);
            return values;
          };
          const out = async (s: MemorySource) => {
            const c = outputsCollector();
            await evaluate(r.model, s.batches(64, { shuffle: false, seed: 0, epoch: 0 }), {
              task: 'classification',
              classes: known.map(String),
              loss: lossFunction('sparseCategoricalCrossentropy', known.length),
              features: true,
              onOutputs: c.onOutputs,
            });
            return c.result();
          };
          const kTest = digitSource(known, TEST_PER_DIGIT, TEST_OFFSET);
          const uTest = digitSource(unseen, TEST_PER_DIGIT, TEST_OFFSET);
          const [tr, ko, uo] = [await out(train0), await out(kTest), await out(uTest)];
          const knn = (q: Float32Array, ref: Float32Array, dims: number) =>
            knnDistances(normalizeRows(q, dims), normalizeRows(ref, dims), dims, 1);
          const pd = tr.features!.dims;
          const cd = (await cutOf(train0)).length / train0.size;
          const msp = (o2: ExampleOutputs) =>
            o2.labels.map((_, i) => 1 - Math.max(...o2.values.subarray(i * o2.width, (i + 1) * o2.width)));
          per.push({
            pen: auroc(
              knn(uo.features!.values, tr.features!.values, pd),
              knn(ko.features!.values, tr.features!.values, pd),
            ),
            cut: auroc(
              knn(await cutOf(uTest), await cutOf(train0), cd),
              knn(await cutOf(kTest), await cutOf(train0), cd),
            ),
            msp: auroc(msp(uo), msp(ko)),
          });
          o.log(
            `transfer ${perClass}/class draw ${draw}: penultimate ${f3(per.at(-1)!.pen)} cut ${f3(per.at(-1)!.cut)} msp ${f3(per.at(-1)!.msp)}`,
          );
        } finally {
          r.model.dispose();
        }
      }
      rows.push({
        examplesPerClass: perClass,
        draws: per.length,
        aurocPenultimate: mean(per.map((p) => p.pen)),
        aurocCut: mean(per.map((p) => p.cut)),
        aurocMaxSoftmax: mean(per.map((p) => p.msp)),
      });
    }
  } finally {
    source.model.dispose();
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await initWasmBackend();
  const log = (l: string) => console.log(l);
  const mode = process.argv[2];
  const r =
    mode === 'throughput'
      ? await throughputs({ log })
      : mode === 'features'
        ? await featureLayerRows({ log })
        : await benchUnknown({ log });
  console.log(JSON.stringify(r, null, 2));
}
