import { describe, expect, it } from 'vitest';
import {
  calibrate,
  calibrationReport,
  eceFloor,
  expectedCalibrationError,
  fitTemperature,
  reliabilityBins,
  softmaxAt,
  topConfidence,
} from '../../src/evaluation/calibration.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';

/** Standard normal draws (Box-Muller) from a seeded stream. */
function gaussian(rng: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Drawn from a calibrated model with logits w, then reported as w * trueT (mis-calibrated by trueT). */
function miscalibrated(n: number, classes: number, trueT: number, seed: number) {
  const rng = mulberry32(seed);
  const z = gaussian(rng);
  return Array.from({ length: n }, (_, i) => {
    const w = Array.from({ length: classes }, () => 2 * z());
    const p = softmaxAt(w, 1);
    let u = rng();
    let label = 0;
    while (label < classes - 1 && u > (p[label] as number)) u -= p[label++] as number;
    const reported = softmaxAt(
      w.map((v) => v * trueT),
      1,
    );
    return { probabilities: reported, logits: w.map((v) => v * trueT), label, fold: i % 5 };
  });
}

describe('temperature scaling', () => {
  it('recovers the temperature that mis-calibrated the logits', () => {
    for (const trueT of [0.5, 1, 2.5]) {
      const rows = miscalibrated(6000, 5, trueT, 11 + trueT * 10);
      const t = fitTemperature(rows);
      expect(Math.abs(t - trueT) / trueT).toBeLessThan(0.08);
    }
  });

  it('fits the same temperature from log-probabilities as from logits (softmax output)', () => {
    const rows = miscalibrated(2000, 4, 3, 5);
    const fromLogits = fitTemperature(rows);
    const fromProbs = fitTemperature(
      rows.map((r) => ({ logits: r.probabilities.map(Math.log), label: r.label })),
    );
    expect(fromProbs).toBeCloseTo(fromLogits, 4);
  });

  it('never changes the predicted class and returns probabilities', () => {
    const p = [0.7, 0.2, 0.1];
    for (const t of [0.3, 1, 4]) {
      const q = calibrate(p, t);
      expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(q.indexOf(Math.max(...q))).toBe(0);
    }
    expect(calibrate(p, 4)[0]).toBeLessThan(0.7);
    expect(calibrate(p, 0.3)[0]).toBeGreaterThan(0.7);
  });

  it('brings the ECE of over-confident scores down, measured cross-fitted', () => {
    const rows = miscalibrated(3000, 5, 3, 21);
    const report = calibrationReport(rows, { resamples: 200 });
    expect(report.temperature).toBeGreaterThan(2.5);
    expect(report.eceUncalibrated).toBeGreaterThan(0.1);
    expect(report.ece).toBeLessThan(0.03);
    // Calibrated on 3000 examples: near what a perfectly calibrated model shows on them.
    expect(report.eceFloor).toBeGreaterThan(0);
    expect(report.ece).toBeLessThan(report.eceFloor! + 0.015);
    expect(report.eceInterval.low).toBeLessThanOrEqual(report.ece);
    expect(report.eceInterval.high).toBeGreaterThanOrEqual(report.ece);
    expect(report.examples).toBe(3000);
    expect(report.bins).toHaveLength(15);
    expect(report.bins.reduce((a, b) => a + b.count, 0)).toBe(3000);
  });
});

describe('ECE and reliability bins', () => {
  it('is zero when every bin is right as often as it says, and the gap otherwise', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ confidence: 0.75, correct: i < 7 })),
      ...Array.from({ length: 10 }, () => ({ confidence: 0.99, correct: true })),
    ];
    // bins of 0.1: |0.7 - 0.75| * 0.5 + |1 - 0.99| * 0.5
    expect(expectedCalibrationError(rows, 10)).toBeCloseTo(0.03, 9);
    const bins = reliabilityBins(rows, 10);
    expect(bins[7]).toMatchObject({ count: 10, accuracy: 0.7 });
    expect(bins[9]).toMatchObject({ count: 10, accuracy: 1 });
    expect(topConfidence([0.1, 0.6, 0.3], 1)).toEqual({ confidence: 0.6, correct: true });
  });

  it('gives the ECE a calibrated model shows on few examples, and it falls as they grow', () => {
    // A calibrated model: each prediction is right with probability equal to its confidence.
    const rng = mulberry32(11);
    const confidences = (n: number) => Array.from({ length: n }, () => 0.35 + 0.65 * rng());
    for (const n of [50, 200, 1000]) {
      const c = confidences(n);
      const floor = eceFloor(c, { seed: 3 });
      // Independent calibrated models on the same confidences measure ECEs around the floor.
      const measured = Array.from({ length: 300 }, () =>
        expectedCalibrationError(c.map((confidence) => ({ confidence, correct: rng() < confidence }))),
      );
      const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
      expect(Math.abs(mean - floor)).toBeLessThan(0.01);
    }
    const [f50, f200, f1000] = [50, 200, 1000].map((n) => eceFloor(confidences(n), { seed: 3 }));
    expect(f50).toBeGreaterThan(f200!);
    expect(f200).toBeGreaterThan(f1000!);
    expect(f200).toBeGreaterThan(0.03); // far from 0 on 200 examples: why a 0.05 target is hard there
    expect(eceFloor([])).toBeNaN();
  });
});
