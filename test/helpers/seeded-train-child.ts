/**
 * One seeded transfer-learning job (MNIST 5-9, the seeded CNN base, a head, then a fine-tune
 * from conv1 with augmentation, so the uncached path and every convolution gradient run) on a
 * wasm backend with the XNNPACK thread count given: `tsx test/helpers/seeded-train-child.ts <threads>`.
 * Prints one JSON line: the backend's thread count, the loss history and every weight.
 */
import * as tf from '@tensorflow/tfjs';
import { parseJobSpec } from '../../src/contracts/job-spec.js';
import { train } from '../../src/ml/trainer.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from './mnist.js';
import { seededCnn } from './ml-models.js';

const info = await initWasmBackend({ threads: Number(process.argv[2] ?? 1) });
const spec = parseJobSpec({
  datasetId: 'ds_0123456789abcdef',
  base: { baseModelId: 'bm_0123456789abcdef' },
  cutAt: 'flatten',
  head: [{ type: 'dense', units: 32 }],
  compile: { optimizer: 'adam', learningRate: 0.01 },
  fit: { epochs: 2, batchSize: 32 },
  fineTune: { unfreezeFrom: 'conv1', epochs: 2, learningRate: 0.001 },
  augment: { flipHorizontal: true, rotateDegrees: 10 },
  seed: 23,
});
const data = mnistData([5, 6, 7, 8, 9], { perDigit: 40, offset: 0 }, { perDigit: 10, offset: 800 });
const r = await train({ spec, data, base: seededCnn(3) });
const weights = r.model.weights.map((w) => ({ name: w.name, values: Array.from(w.read().dataSync()) }));
process.stdout.write(
  JSON.stringify({
    threads: info.threads,
    loss: r.history.map((h) => h.loss),
    accuracy: 'accuracy' in r.evaluation ? r.evaluation.accuracy : null,
    weights,
    tensorsLeft: (r.model.dispose(), tf.memory().numTensors),
  }) + '\n',
);
