import { describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { formatRow, modelRules } from '../../src/serving/format.js';

const meta = (evaluation?: Record<string, unknown>): ModelMeta =>
  ({
    id: 'm_0000000000000001',
    task: 'classification',
    labels: ['cat', 'dog', 'owl'],
    ...(evaluation ? { evaluation: { task: 'classification', ...evaluation } } : {}),
  }) as unknown as ModelMeta;

const rule = (threshold: number, acceptRate = 0.95) => ({
  unknown: { threshold, acceptRate, k: 1, quantiles: [], reference: { file: 'novelty.bin', dims: 2 } },
});

describe('formatRow', () => {
  it('serves softmax(log p / T): a temperature of 2 flattens the scores, the label stays', () => {
    const m = meta({ calibration: { temperature: 2 } });
    const p = formatRow(m, new Float32Array([0.8, 0.15, 0.05]), 3, modelRules(m));
    const z = Math.sqrt(0.8) + Math.sqrt(0.15) + Math.sqrt(0.05);
    expect(p).toMatchObject({ label: 'cat', unknown: false });
    if (!('topK' in p)) throw new Error('expected a classification');
    expect(p.score).toBeCloseTo(Math.sqrt(0.8) / z, 6);
    expect(p.topK.map((s) => s.label)).toEqual(['cat', 'dog', 'owl']);
    expect(p.topK.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 6);
    expect(p).not.toHaveProperty('novelty');
  });

  it('reads the novelty from the last column and answers unknown past the threshold', () => {
    const m = meta(rule(0.4));
    const rules = modelRules(m);
    const near = formatRow(m, new Float32Array([0.1, 0.7, 0.2, 0.3]), 1, rules);
    const far = formatRow(m, new Float32Array([0.1, 0.7, 0.2, 0.5]), 1, rules);
    expect(near).toMatchObject({ label: 'dog', novelty: expect.closeTo(0.3, 6), unknown: false });
    expect(far).toMatchObject({ label: 'dog', novelty: expect.closeTo(0.5, 6), unknown: true });
    // acceptRate 1: the model was configured never to answer unknown.
    const never = meta(rule(0.4, 1));
    expect(formatRow(never, new Float32Array([0.1, 0.7, 0.2, 1.9]), 1, modelRules(never))).toMatchObject({
      unknown: false,
    });
  });
});
