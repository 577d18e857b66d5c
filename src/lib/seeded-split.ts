/**
 * Seeded randomness for splits and shuffles: the same seed gives the same split and the same
 * epoch order on every machine, so a job can be reproduced.
 */

/** mulberry32: tiny, fast, and good enough for shuffling (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes several integers into one 32-bit seed (so seed+epoch or seed+class give unrelated streams). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

/**
 * Splits example positions into train and validation, class by class, so each class keeps its
 * proportion in both. `groups[i]` is the class of example i (all 0 for regression).
 * A class with at least two examples gives at least one to each side when `fraction` > 0.
 * Both returned lists are in ascending (stored) order.
 */
export function stratifiedSplit(
  groups: readonly number[],
  fraction: number,
  seed: number,
): { train: number[]; validation: number[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError('fraction must be in [0, 1)');
  const byGroup = new Map<number, number[]>();
  groups.forEach((g, i) => {
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  });
  const validation: number[] = [];
  for (const [g, members] of byGroup) {
    if (fraction === 0 || members.length < 2) continue;
    const take = Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    const picked = shuffle([...members], mulberry32(mixSeed(seed, g)));
    validation.push(...picked.slice(0, take));
  }
  validation.sort((a, b) => a - b);
  const isVal = new Uint8Array(groups.length);
  for (const i of validation) isVal[i] = 1;
  const train: number[] = [];
  for (let i = 0; i < groups.length; i++) if (!isVal[i]) train.push(i);
  return { train, validation };
}

/** The order of one epoch: stored order, or a shuffle seeded by (seed, epoch). */
export function epochOrder(size: number, opts: { shuffle: boolean; seed: number; epoch: number }): number[] {
  const order = Array.from({ length: size }, (_, i) => i);
  return opts.shuffle ? shuffle(order, mulberry32(mixSeed(opts.seed, opts.epoch))) : order;
}
