import { mulberry32 } from '../../src/lib/seeded-split.js';

/** The project's seeded generator (mulberry32), so test shapes and values replay from a seed. */
export const seededRandom = mulberry32;

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: () => number, options: readonly T[]): T {
  return options[Math.floor(random() * options.length)] as T;
}

export function randomValues(random: () => number, shape: readonly number[]): Float32Array {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = random() * 2 - 1;
  return values;
}
