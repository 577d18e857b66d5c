/**
 * Training throughput of the wasm backend with the project's convolution-gradient kernels, against
 * the pure-JS `cpu` backend, in the same process on the same models. samples/s is compared, so the
 * cpu side times fewer samples to keep the whole run to a few minutes.
 *
 *   npx tsx bench/wasm-training.ts
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';

export interface WasmTrainingBenchOptions {
  /** Samples in the timed epoch of the MNIST-sized CNN, per backend. */
  mnistSamples?: { cpu: number; wasm: number };
  /** Batches in the timed MobileNetV2 top-blocks fine-tune, per backend. */
  mobileNetBatches?: { cpu: number; wasm: number };
  mnistBatchSize?: number;
  mobileNetBatchSize?: number;
  mobileNetInputSize?: number;
  log?: (line: string) => void;
}

export interface WasmTrainingBenchRow {
  case: string;
  cpuSamplesPerSec: number;
  wasmSamplesPerSec: number;
  /** wasm samples/s divided by cpu samples/s. */
  ratio: number;
}

export interface WasmTrainingBenchResult {
  name: string;
  baseline: string;
  rows: WasmTrainingBenchRow[];
}

type Backend = 'cpu' | 'wasm';

interface TrainingCase {
  name: string;
  batchSize: number;
  samples: Record<Backend, number>;
  build: () => tf.LayersModel;
  inputShape: number[];
  classes: number;
}

function mnistCnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

function convBnRelu6(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  name: string,
): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, name });
  const bn = tf.layers.batchNormalization({ name: `${name}_bn` });
  const relu = tf.layers.reLU({ maxValue: 6, name: `${name}_relu` });
  return relu.apply(bn.apply(conv.apply(x))) as tf.SymbolicTensor;
}

function invertedResidual(
  x: tf.SymbolicTensor,
  expansion: number,
  filters: number,
  strides: number,
  name: string,
): tf.SymbolicTensor {
  const inChannels = x.shape[3] as number;
  let h = x;
  if (expansion !== 1) {
    h = convBnRelu6(h, inChannels * expansion, 1, 1, `${name}_expand`);
  }
  const dw = tf.layers.depthwiseConv2d({
    kernelSize: 3,
    strides,
    padding: 'same',
    useBias: false,
    name: `${name}_depthwise`,
  });
  h = dw.apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: `${name}_depthwise_bn` }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6, name: `${name}_depthwise_relu` }).apply(h) as tf.SymbolicTensor;
  const project = tf.layers.conv2d({
    filters,
    kernelSize: 1,
    padding: 'same',
    useBias: false,
    name: `${name}_project`,
  });
  h = project.apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: `${name}_project_bn` }).apply(h) as tf.SymbolicTensor;
  if (strides === 1 && inChannels === filters) {
    h = tf.layers.add({ name: `${name}_add` }).apply([x, h]) as tf.SymbolicTensor;
  }
  return h;
}

/** MobileNetV2 (alpha 1) layout; everything below the last `trainableBlocks` blocks is frozen. */
function mobileNetV2FineTune(inputSize: number, classes: number, trainableBlocks = 2): tf.LayersModel {
  const stages: Array<[expansion: number, filters: number, repeats: number, strides: number]> = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  const input = tf.input({ shape: [inputSize, inputSize, 3] });
  let h = convBnRelu6(input, 32, 3, 2, 'stem');
  let blocks = 0;
  for (const [expansion, filters, repeats, strides] of stages) {
    for (let i = 0; i < repeats; i++) {
      h = invertedResidual(h, expansion, filters, i === 0 ? strides : 1, `block_${blocks++}`);
    }
  }
  h = convBnRelu6(h, 1280, 1, 1, 'head');
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  const firstTrainable = model.layers.findIndex((layer) =>
    layer.name.startsWith(`block_${blocks - trainableBlocks}_`),
  );
  model.layers.forEach((layer, index) => {
    layer.trainable = index >= firstTrainable;
  });
  model.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
  return model;
}

async function samplesPerSecond(testCase: TrainingCase, backend: Backend): Promise<number> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is unavailable`);
  const model = testCase.build();
  const samples = testCase.samples[backend];
  const [x, y] = tf.tidy(() => {
    const labels = tf.randomUniform([samples], 0, testCase.classes, 'int32', 7) as tf.Tensor1D;
    return [
      tf.randomUniform([samples, ...testCase.inputShape], 0, 1, 'float32', 11),
      tf.oneHot(labels, testCase.classes),
    ];
  });
  const fitArgs = { batchSize: testCase.batchSize, epochs: 1, shuffle: false, verbose: 0 } as const;
  try {
    // First steps pay for weight allocation and one-off kernel setup; they are not what is measured.
    const warmX = x.slice(0, testCase.batchSize);
    const warmY = y.slice(0, testCase.batchSize);
    await model.fit(warmX, warmY, fitArgs);
    tf.dispose([warmX, warmY]);
    const start = performance.now();
    await model.fit(x, y, fitArgs);
    const seconds = (performance.now() - start) / 1000;
    return samples / seconds;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export async function benchWasmTraining(
  options: WasmTrainingBenchOptions = {},
): Promise<WasmTrainingBenchResult> {
  const log = options.log ?? (() => {});
  const mnistBatch = options.mnistBatchSize ?? 32;
  const mobileBatch = options.mobileNetBatchSize ?? 16;
  const mobileBatches = options.mobileNetBatches ?? { cpu: 2, wasm: 8 };
  const inputSize = options.mobileNetInputSize ?? 96;
  const cases: TrainingCase[] = [
    {
      name: `MNIST CNN 28x28x1, 2 conv + 2 pool + dense, batch ${mnistBatch}, one epoch`,
      batchSize: mnistBatch,
      samples: options.mnistSamples ?? { cpu: 64, wasm: 640 },
      build: mnistCnn,
      inputShape: [28, 28, 1],
      classes: 10,
    },
    {
      name: `MobileNetV2 ${inputSize}x${inputSize}x3, last 2 blocks + head trainable, batch ${mobileBatch}`,
      batchSize: mobileBatch,
      samples: { cpu: mobileBatches.cpu * mobileBatch, wasm: mobileBatches.wasm * mobileBatch },
      build: () => mobileNetV2FineTune(inputSize, 5),
      inputShape: [inputSize, inputSize, 3],
      classes: 5,
    },
  ];

  const previous = tf.getBackend();
  const wasmInfo = await initWasmBackend();
  log(`wasm: simd=${wasmInfo.simd} multithread=${wasmInfo.multithread}`);
  const rows: WasmTrainingBenchRow[] = [];
  try {
    for (const testCase of cases) {
      const wasmSamplesPerSec = await samplesPerSecond(testCase, 'wasm');
      log(`${testCase.name}: wasm ${wasmSamplesPerSec.toFixed(1)} samples/s`);
      const cpuSamplesPerSec = await samplesPerSecond(testCase, 'cpu');
      log(`${testCase.name}: cpu ${cpuSamplesPerSec.toFixed(2)} samples/s`);
      rows.push({
        case: testCase.name,
        cpuSamplesPerSec,
        wasmSamplesPerSec,
        ratio: wasmSamplesPerSec / cpuSamplesPerSec,
      });
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
  return { name: 'wasm training kernels vs cpu backend', baseline: 'cpu', rows };
}

function toMarkdown(result: WasmTrainingBenchResult): string {
  const lines = [
    `### ${result.name}`,
    '',
    '| case | cpu samples/s | wasm samples/s | wasm / cpu |',
    '|---|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.case} | ${r.cpuSamplesPerSec.toFixed(2)} | ${r.wasmSamplesPerSec.toFixed(1)} | ${r.ratio.toFixed(1)}x |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchWasmTraining({ log: (line) => console.error(line) });
  console.log(toMarkdown(result));
}
