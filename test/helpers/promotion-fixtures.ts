import { mulberry32 } from '../../src/lib/seeded-split.js';
import { api } from './api.js';
import type { TestContext } from './app.js';

/** Two noisy clusters in 4 features: learnable to about 90%, far from it after one tiny step. */
export function clusters(rows: number, seed: number): Buffer {
  const rand = mulberry32(seed);
  const lines = ['a,b,c,d,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2 === 0 ? -1 : 1;
    const f = () => (c * 0.8 + (rand() - 0.5) * 2.4).toFixed(3);
    lines.push(`${f()},${f()},${f()},${f()},${c < 0 ? 'low' : 'high'}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/**
 * Versions 1 (one tiny step: weak) and 2 (a real fit: strong) of `name`, cross-validated on the
 * same 160 rows, so that their out-of-fold predictions pair up.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field in tests
export async function weakAndStrong(ctx: TestContext, name: string): Promise<{ weak: any; strong: any }> {
  const http = api(ctx);
  const dataset = await http.uploadDataset(clusters(160, 7), 'clusters.csv');
  const base = {
    datasetId: dataset.id,
    modelName: name,
    head: [{ type: 'dense', units: 8, activation: 'relu' }],
    evaluation: { method: 'cross-validation', folds: 4 },
    seed: 3,
  };
  const { model: weak } = await http.trainToEnd({
    ...base,
    compile: { learningRate: 0.00001 },
    fit: { epochs: 1, batchSize: 16 },
  });
  const { model: strong } = await http.trainToEnd({
    ...base,
    compile: { learningRate: 0.05 },
    fit: { epochs: 25, batchSize: 16 },
  });
  return { weak, strong };
}
