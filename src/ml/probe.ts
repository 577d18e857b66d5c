import { parseJobSpec } from '../contracts/job-spec.js';
import { liveTensors } from './memory.js';
import { MemorySource } from './memory-source.js';
import { train } from './trainer.js';

/**
 * One tiny training job (8 examples of 4 features, one dense layer, one epoch of one batch)
 * through the trainer, as deep readiness runs it in a trainer process: a broken backend, kernel
 * or trainer fails it. Leaves no tensor behind.
 */
export async function probeTraining(): Promise<{ loss: number; ms: number }> {
  const started = performance.now();
  const before = liveTensors();
  const features = Float32Array.from({ length: 32 }, (_, i) => ((i * 37) % 11) / 10 - 0.5);
  const labels = [0, 1, 0, 1, 0, 1, 0, 1];
  const spec = parseJobSpec({
    datasetId: 'ds_0000000000000000',
    head: [{ type: 'dense', units: 4 }],
    fit: { epochs: 1, batchSize: 8 },
    seed: 1,
  });
  const result = await train({
    spec,
    data: {
      kind: 'tabular',
      task: 'classification',
      classes: ['a', 'b'],
      inputShape: [4],
      train: new MemorySource(features, labels, [4]),
    },
  });
  result.model.dispose();
  const loss = result.history[0]?.loss ?? NaN;
  if (!Number.isFinite(loss)) throw new Error(`the probe's training step gave a loss of ${loss}`);
  const leaked = liveTensors() - before;
  if (leaked !== 0) throw new Error(`the probe's training step left ${leaked} tensors behind`);
  return { loss, ms: performance.now() - started };
}
