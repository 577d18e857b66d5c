/**
 * Epochs for the refit on all data, from the folds' best epochs (the epoch whose weights early
 * stopping kept, 1-based): their median, rounded, at least 1. The refit has no validation set
 * left to stop on, so it trains as long as a typical fold needed. The median rather than the
 * mean, so one fold that stopped late or early does not move it. With no usable epochs (no fold
 * stopped early, or none recorded), `fallback`.
 */
export function refitEpochs(bestEpochs: readonly number[], fallback: number): number {
  const usable = bestEpochs.filter((e) => Number.isFinite(e) && e > 0).sort((a, b) => a - b);
  if (usable.length === 0) return Math.max(1, Math.round(fallback));
  const mid = usable.length >> 1;
  const median =
    usable.length % 2 ? (usable[mid] as number) : ((usable[mid - 1] as number) + (usable[mid] as number)) / 2;
  return Math.max(1, Math.round(median));
}
