import { describe, expect, it } from 'vitest';
import { simulate } from './gaussian-task.js';

/**
 * The check: over 100 simulated small datasets (6 Gaussian classes in 4 dimensions,
 * difficulty varying from near chance to easy), 5-fold cross-validation of a nearest-class-mean
 * classifier gives out-of-fold predictions; classificationEstimate's 95% interval must cover the
 * true accuracy of the model refit on every example (measured on 12,000 fresh examples) in at
 * least 90% of datasets, and the point estimate must miss it by at most 0.05 on average at 8
 * examples per class. BENCHMARKS.md ("Evaluation statistics: coverage on simulations") has the
 * figures measured over 400 datasets and what they mean.
 */
describe('cross-validated accuracy against the truth, on simulated small datasets', () => {
  it.each([8, 16, 50])(
    '%i examples per class: the interval covers the refit model in >= 90%, MAE <= 0.05',
    (n) => {
      const s = simulate(n, 100);
      expect(s.datasets).toBe(100);
      expect(s.coverage).toBeGreaterThanOrEqual(0.9);
      expect(s.mae).toBeLessThanOrEqual(0.05);
      // The interval is not bought by width: about what 6n Bernoulli trials allow.
      expect(s.meanWidth).toBeLessThan(2 * 1.96 * Math.sqrt(0.25 / (6 * n)));
    },
  );
});
