/**
 * Seeded randomness for everything the trainer decides itself (shuffles, augmentation draws,
 * initialiser and dropout seeds), so a job spec with a `seed` replays the same run.
 * Not cryptographic.
 */

export type Rng = () => number;

// The dataset sources shuffle with these; sharing them keeps one PRNG in the project and lets the
// feature cache replay exactly the epoch order a dataset source would give.
export { epochOrder, mulberry32 } from '../lib/seeded-split.js';

/**
 * Mixes a seed with stream identifiers (epoch, step, layer index...) into an independent
 * non-negative 31-bit seed: nearby inputs give unrelated outputs.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of [...parts, parts.length]) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h & 0x7fffffff;
}

/** A fresh seed for runs whose spec gives none (reported back so the run can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
