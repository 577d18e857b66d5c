import type { LayerInfo } from '../ml/index.js';
import { defaultCutIndex } from '../contracts/layer-refs.js';

/**
 * Where to cut a base for the probes, from its layer listing alone. A layer is a clean cut when
 * nothing before it feeds anything after it (so the kept part is exactly "input to this layer",
 * as a job's `cutAt` keeps it): in residual or inception graphs those are the block ends. The
 * candidates are the pooled features (the base's recommended cut, else the layer feeding its
 * output) and then, going down, the last clean cut of each distinct output shape: the end of
 * each of the last blocks. The feature map that only feeds the pooled features through pooling
 * or flattening layers is skipped (pooled, it is the same vector).
 */

export interface CutPoint {
  name: string;
  index: number;
  /** Rank of the output with the batch dimension: 4 for a feature map, 2 for a vector. */
  rank: number;
}

const PASS_THROUGH = new Set([
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'AveragePooling2D',
  'MaxPooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
]);

const MERGES = new Set(['Add', 'Concatenate']);

function singleShape(l: LayerInfo): (number | null)[] | undefined {
  const s = l.outputShape;
  if (s.length > 0 && Array.isArray(s[0])) return undefined;
  return s as (number | null)[];
}

/** Indices of the clean cuts with a rank-2 or rank-4 output. */
export function cleanCuts(layers: readonly LayerInfo[]): number[] {
  const index = new Map(layers.map((l, i) => [l.name, i]));
  const lastUse = layers.map((_, i) => i);
  layers.forEach((l, j) => {
    for (const from of l.inbound) {
      const i = index.get(from);
      if (i !== undefined) lastUse[i] = Math.max(lastUse[i] as number, j);
    }
  });
  const out: number[] = [];
  let reach = -1;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i] as LayerInfo;
    const shape = singleShape(l);
    if (reach <= i && shape && (shape.length === 2 || shape.length === 4) && l.className !== 'InputLayer') {
      out.push(i);
    }
    reach = Math.max(reach, lastUse[i] as number);
  }
  return out;
}

/** The pooled cut: `recommended` when the base names one, else the layer feeding its output. */
export function topCut(layers: readonly LayerInfo[], recommended: string | null): number {
  const r = recommended ? layers.findIndex((l) => l.name === recommended) : -1;
  return r >= 0 ? r : defaultCutIndex(layers);
}

/** Up to `count` cut points, deepest first. */
export function chooseCuts(
  layers: readonly LayerInfo[],
  recommended: string | null,
  count: number,
): CutPoint[] {
  const top = topCut(layers, recommended);
  const point = (i: number): CutPoint => ({
    name: (layers[i] as LayerInfo).name,
    index: i,
    rank: singleShape(layers[i] as LayerInfo)?.length ?? 0,
  });
  const picked: CutPoint[] = [point(top)];
  const key = (i: number) => JSON.stringify(singleShape(layers[i] as LayerInfo));
  const seen = new Set([key(top)]);
  // The chain that feeds the top cut through pooling only: its shape is already represented.
  let at = layers[top];
  while (at && PASS_THROUGH.has(at.className) && at.inbound.length === 1) {
    const next = layers.findIndex((l) => l.name === at?.inbound[0]);
    if (next < 0) break;
    seen.add(key(next));
    at = layers[next];
  }
  const clean = cleanCuts(layers).filter((i) => i < top && !seen.has(key(i)));
  const take = (i: number): void => {
    const k = key(i);
    if (picked.length >= count || seen.has(k)) return;
    seen.add(k);
    picked.push(point(i));
  };
  // The deepest feature map below the pooled one, then the block ends: merge layers (Add,
  // Concatenate) where the graph has them, else the last layer of each output shape.
  const deepest = clean[clean.length - 1];
  if (deepest !== undefined) take(deepest);
  const merges = clean.filter((i) => MERGES.has((layers[i] as LayerInfo).className));
  const blockEnds = merges.length > 0 ? merges : clean;
  for (let j = blockEnds.length - 1; j >= 0 && picked.length < count; j--) take(blockEnds[j] as number);
  return picked;
}

/**
 * Where a fine-tune phase should start for a cut at `cutIndex`: `hint` (a catalog entry's
 * choice) when it lies at or below the cut, else the layer after the end of the block below
 * the cut's own block.
 */
export function fineTuneStart(
  layers: readonly LayerInfo[],
  cutIndex: number,
  hint?: string,
): string | undefined {
  if (hint) {
    const h = layers.findIndex((l) => l.name === hint);
    if (h >= 0 && h <= cutIndex) return hint;
  }
  // The top block: everything after the deepest block end (merge layer) below the cut that
  // still leaves weights to train.
  const below = cleanCuts(layers.slice(0, cutIndex)).filter((i) =>
    MERGES.has((layers[i] as LayerInfo).className),
  );
  for (let j = below.length - 1; j >= 0; j--) {
    const m = below[j] as number;
    if (layers.slice(m + 1, cutIndex + 1).some((l) => l.params > 0)) return (layers[m + 1] as LayerInfo).name;
  }
  // No merge layers: the layer after the next cut point down (one more below pooled features).
  const cuts = chooseCuts(layers.slice(0, cutIndex + 1), (layers[cutIndex] as LayerInfo).name, 3);
  const prev = cuts[0]?.rank === 2 ? cuts[2] : cuts[1];
  const start = prev ? layers[prev.index + 1] : undefined;
  return start && start.index <= cutIndex ? start.name : undefined;
}
