import type { ClassSummary, DatasetWarning, SizeStats, SkippedFile, SplitName } from './dataset-manifest.js';

/** What a user should know about their data before training on it. */

/** Fewer examples than this in a class makes its metrics meaningless. */
export const FEW_EXAMPLES = 5;
/** Largest class over smallest class at or above this ratio is reported as heavy imbalance. */
export const IMBALANCE_RATIO = 10;
/** Lists in warnings and manifests are capped so a manifest stays small. */
export const MAX_LISTED = 50;

export function classWarnings(classes: ClassSummary[]): DatasetWarning[] {
  const out: DatasetWarning[] = [];
  const few = classes.filter((c) => c.count < FEW_EXAMPLES);
  if (few.length > 0) {
    out.push({
      code: 'few-examples',
      message: `${few.length} class(es) have fewer than ${FEW_EXAMPLES} examples: ${list(few.map((c) => `${c.name} (${c.count})`))}`,
      items: few.slice(0, MAX_LISTED).map((c) => c.name),
    });
  }
  if (classes.length >= 2) {
    const sorted = [...classes].sort((a, b) => a.count - b.count);
    const min = sorted[0] as ClassSummary;
    const max = sorted[sorted.length - 1] as ClassSummary;
    if (min.count > 0 && max.count / min.count >= IMBALANCE_RATIO) {
      out.push({
        code: 'imbalance',
        message: `heavy class imbalance: '${max.name}' has ${max.count} examples, '${min.name}' only ${min.count} (${(max.count / min.count).toFixed(1)}x)`,
        items: [max.name, min.name],
      });
    }
  }
  return out;
}

/** Classes that a provided split leaves out of train or validation. */
export function splitWarnings(classes: ClassSummary[], counts: Record<SplitName, number>): DatasetWarning[] {
  const out: DatasetWarning[] = [];
  for (const split of ['train', 'validation'] as const) {
    if (counts[split] === 0) continue;
    const missing = classes.filter((c) => c.splits[split] === 0);
    if (missing.length > 0) {
      out.push({
        code: 'split-missing-classes',
        message: `the ${split} split has no examples of ${list(missing.map((c) => c.name))}`,
        items: missing.slice(0, MAX_LISTED).map((c) => c.name),
      });
    }
  }
  return out;
}

export function duplicateWarning(
  files: Array<{ path: string; sha256: string; label: string }>,
): DatasetWarning | undefined {
  const groups = new Map<string, Array<{ path: string; label: string }>>();
  for (const f of files) {
    const g = groups.get(f.sha256);
    if (g) g.push(f);
    else groups.set(f.sha256, [f]);
  }
  const dups = [...groups.values()].filter((g) => g.length > 1);
  if (dups.length === 0) return undefined;
  const conflicting = dups.filter((g) => new Set(g.map((f) => f.label)).size > 1).length;
  const extra = dups.reduce((n, g) => n + g.length - 1, 0);
  return {
    code: 'duplicates',
    message:
      `${extra} file(s) are byte-identical copies of others (${dups.length} group(s)` +
      (conflicting > 0 ? `, ${conflicting} of them under different labels` : '') +
      '); duplicates inflate validation scores',
    items: dups.slice(0, MAX_LISTED).map((g) => g.map((f) => f.path).join(' = ')),
  };
}

export function skippedWarning(skipped: SkippedFile[]): DatasetWarning | undefined {
  if (skipped.length === 0) return undefined;
  const reasons = new Map<string, number>();
  for (const s of skipped) {
    const key = s.reason.replace(/:.*$/s, '');
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  return {
    code: 'skipped-files',
    message: `${skipped.length} file(s) skipped: ${[...reasons].map(([r, n]) => `${n} ${r}`).join(', ')}`,
    items: skipped.slice(0, MAX_LISTED).map((s) => `${s.path}: ${s.reason}`),
  };
}

export function sizeStats(values: number[]): SizeStats {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { min: s[0] as number, median, max: s[s.length - 1] as number };
}

function list(items: string[]): string {
  const shown = items.slice(0, 10).join(', ');
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}
