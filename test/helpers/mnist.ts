import { createRequire } from 'node:module';
import { MemorySource } from '../../src/ml/memory-source.js';
import type { TrainingData } from '../../src/ml/example-source.js';

/** The `mnist` package: ~1000 real 28x28 digits per class, pixel values in [0, 1]. */
interface MnistDigit {
  length: number;
  get(i: number): number[];
}
const mnist = createRequire(import.meta.url)('mnist') as Record<number, MnistDigit>;

const PIXELS = 28 * 28;

/**
 * `perDigit` examples of each digit starting at index `offset` (so disjoint ranges never
 * overlap), labelled by the digit's position in `digits`. Examples are interleaved by class.
 */
export function mnistArrays(
  digits: number[],
  perDigit: number,
  offset: number,
): { features: Float32Array; labels: number[] } {
  const features = new Float32Array(digits.length * perDigit * PIXELS);
  const labels: number[] = [];
  for (let i = 0; i < perDigit; i++) {
    for (const [label, d] of digits.entries()) {
      const digit = mnist[d] as MnistDigit;
      if (offset + i >= digit.length) throw new Error(`digit ${d} has only ${digit.length} examples`);
      features.set(digit.get(offset + i), labels.length * PIXELS);
      labels.push(label);
    }
  }
  return { features, labels };
}

export function mnistSource(digits: number[], perDigit: number, offset: number): MemorySource {
  const { features, labels } = mnistArrays(digits, perDigit, offset);
  return new MemorySource(features, labels, [28, 28, 1]);
}

export function mnistData(
  digits: number[],
  train: { perDigit: number; offset: number },
  validation?: { perDigit: number; offset: number },
): TrainingData {
  return {
    kind: 'image',
    task: 'classification',
    classes: digits.map(String),
    inputShape: [28, 28, 1],
    train: mnistSource(digits, train.perDigit, train.offset),
    ...(validation ? { validation: mnistSource(digits, validation.perDigit, validation.offset) } : {}),
  };
}
