/**
 * Cost of a 5-fold cross-validation with its refit, relative to one fit, for a head-only job on
 * a frozen base (features shared by every run) and for the same job with a fine-tune phase.
 * MNIST digits 0-4, 50 per class, the small seeded CNN of the tests as base. Run with
 * `npx tsx bench/cv-cost.ts`.
 */
import { parseJobSpec } from '../src/contracts/job-spec.js';
import { refit, runFolds, sharedFeaturesFor } from '../src/ml/cross-validate.js';
import { train } from '../src/ml/trainer.js';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { stratifiedFolds } from '../src/evaluation/index.js';
import { mnistData } from '../test/helpers/mnist.js';
import { seededCnn } from '../test/helpers/ml-models.js';

await initWasmBackend();
const spec = (fineTune: boolean) =>
  parseJobSpec({
    datasetId: 'ds_0123456789abcdef',
    base: { baseModelId: 'bm_0123456789abcdef' },
    cutAt: 'flatten',
    head: [{ type: 'dense', units: 32 }],
    fit: { epochs: 10, batchSize: 16 },
    ...(fineTune ? { fineTune: { unfreezeFrom: 'conv2', epochs: 5, learningRate: 1e-4 } } : {}),
    seed: 1,
  });
for (const fineTune of [false, true]) {
  const data = mnistData([0, 1, 2, 3, 4], { perDigit: 50, offset: 0 });
  let t = performance.now();
  const one = await train({ spec: spec(fineTune), data, base: seededCnn(1) });
  one.model.dispose();
  const oneMs = performance.now() - t;
  const foldOf = stratifiedFolds([...data.train.labels], 5, 1);
  const heldOut = [0, 1, 2, 3, 4].map((f) => foldOf.flatMap((g, i) => (g === f ? [i] : [])));
  t = performance.now();
  const plan = { spec: spec(fineTune), data, base: seededCnn(1), shared: sharedFeaturesFor(data) };
  await runFolds(plan, { heldOut, stage: 'fold' });
  const r = await refit(plan, { train: 10, ...(fineTune ? { fineTune: 5 } : {}) });
  r.model.dispose();
  const cvMs = performance.now() - t;
  console.log(
    JSON.stringify({
      fineTune,
      oneFitMs: Math.round(oneMs),
      cvWithRefitMs: Math.round(cvMs),
      ratio: +(cvMs / oneMs).toFixed(2),
      featurePasses: plan.shared.passes,
    }),
  );
}
