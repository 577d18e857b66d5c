import { readFileSync } from 'node:fs';
import os from 'node:os';

/** One benchmark's result as BENCHMARKS.md shows it: a table whose last columns are ratios. */
export interface BenchSection {
  title: string;
  /** What was measured, against which baseline, and how (one paragraph). */
  description: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Optional remarks printed under the table (targets, caveats). */
  notes?: string[];
}

/** The upper median (the middle value of an odd count; of an even one, the larger middle); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** A number as the tables show it: 3 significant digits or fewer, strings as they are. */
export function cell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function sectionToMarkdown(s: BenchSection): string {
  const head = `| ${s.columns.join(' | ')} |`;
  const sep = `|${s.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  const body = s.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  const notes = (s.notes ?? []).map((n) => `- ${n}`);
  return [
    `## ${s.title}`,
    '',
    s.description,
    '',
    head,
    sep,
    ...body,
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}

/**
 * The widest x86 vector extension the CPU reports (Linux's /proc/cpuinfo), or '' where unknown.
 * Native libraries such as PyTorch's use it; wasm SIMD is 128 bits wide whatever the CPU, so a
 * ratio against native code moves with it, and a CPU name alone ("AMD EPYC") does not tell it.
 */
export function cpuVectorWidth(): string {
  let flags: Set<string>;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
  } catch {
    return '';
  }
  if (flags.has('avx512f')) return 'AVX-512';
  if (flags.has('avx2')) return 'AVX2';
  if (flags.has('avx')) return 'AVX';
  return flags.has('sse4_2') ? 'SSE4.2' : '';
}

export function machineLine(backend: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const simd = cpuVectorWidth();
  return `${os.cpus().length} × ${cpu}${simd ? ` (${simd})` : ''}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, TF.js backend under test: ${backend}`;
}

/**
 * `doc` with each section of `sections` replacing the section of the same title (or appended
 * when there is none); every other section is kept as written.
 */
export function mergeSections(doc: string, sections: Array<{ title: string; markdown: string }>): string {
  const parts = doc.split(/\n(?=## )/);
  for (const s of sections) {
    const i = parts.findIndex((p) => p.startsWith(`## ${s.title}\n`));
    const text = s.markdown.trimEnd() + '\n';
    if (i >= 0) parts[i] = text;
    else parts.push(text);
  }
  return parts.map((p) => p.trimEnd() + '\n').join('\n');
}
