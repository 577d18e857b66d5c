import { mixSeed, mulberry32, shuffle } from '../lib/seeded-split.js';

/**
 * How examples are dealt into cross-validation folds and learning-curve subsets. Everything is
 * stratified by class (each class keeps its share in every fold and subset, which matters when a
 * class has 8 examples) and seeded (the same labels and seed give the same folds on every
 * machine, so a job and its out-of-fold predictions can be reproduced).
 */

/** Positions of each class's examples, classes in ascending order. */
function byClass(labels: readonly number[]): Array<[number, number[]]> {
  const groups = new Map<number, number[]>();
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0) {
      throw new RangeError(`labels[${i}] must be a non-negative integer class index, got ${label}`);
    }
    const list = groups.get(label);
    if (list) list.push(i);
    else groups.set(label, [i]);
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}

/** One class's positions in a seeded order that depends on the seed, the class and the use only. */
const shuffled = (members: readonly number[], seed: number, label: number, use: number) =>
  shuffle([...members], mulberry32(mixSeed(seed, label, use)));

const FOLDS = 0xf01d;
const SUBSET = 0x5b5e;

/**
 * Fold index per example (length = labels.length), stratified by class, deterministic for a seed.
 *
 * Each class is shuffled and dealt round-robin over the folds, and the deal carries on from class
 * to class, so every class's count per fold differs by at most one, and so do the fold sizes.
 * A class with fewer examples than folds is absent from some folds (foldCount avoids that).
 */
export function stratifiedFolds(labels: readonly number[], folds: number, seed: number): number[] {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`folds must be an integer >= 2, got ${folds}`);
  const fold = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const [label, members] of byClass(labels)) {
    for (const i of shuffled(members, seed, label, FOLDS)) {
      fold[i] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

/**
 * Folds to use: `requested` (default 5), fewer when the smallest class has fewer examples, so
 * every fold holds every class; `folds < 2` means cross-validation is impossible, and
 * `smallestClass` names the class to blame. With no classes (regression), all examples are one
 * group and `smallestClass.name` is ''.
 */
export function foldCount(
  labels: readonly number[],
  classes: readonly string[],
  requested = 5,
): { folds: number; smallestClass: { name: string; count: number } } {
  if (!Number.isInteger(requested) || requested < 2) {
    throw new RangeError(`requested folds must be an integer >= 2, got ${requested}`);
  }
  if (classes.length === 0) {
    return { folds: Math.min(requested, labels.length), smallestClass: { name: '', count: labels.length } };
  }
  const counts = new Array<number>(classes.length).fill(0);
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes.length) {
      throw new RangeError(`labels[${i}] must be a class index below ${classes.length}, got ${label}`);
    }
    counts[label] = (counts[label] ?? 0) + 1;
  });
  let smallest = 0;
  counts.forEach((count, c) => {
    if (count < (counts[smallest] ?? 0)) smallest = c;
  });
  const count = counts[smallest] ?? 0;
  return { folds: Math.min(requested, count), smallestClass: { name: classes[smallest] ?? '', count } };
}

/**
 * A stratified subset holding about `fraction` of each class's examples (at least 2 per class
 * when the class has 2), deterministic for a seed; indices in ascending order.
 *
 * For one seed the subsets are nested: each class is shuffled once and a smaller fraction keeps a
 * prefix of the same order, so the points of a learning curve differ only by the examples added.
 */
export function stratifiedSubset(labels: readonly number[], fraction: number, seed: number): number[] {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  const kept: number[] = [];
  for (const [label, members] of byClass(labels)) {
    const take = Math.min(members.length, Math.max(2, Math.round(members.length * fraction)));
    kept.push(...shuffled(members, seed, label, SUBSET).slice(0, take));
  }
  return kept.sort((a, b) => a - b);
}
