import Table from 'cli-table3';

/** A plain table for the terminal (cli-table3), no colours: it is read in logs too. */
export function table(head: string[], rows: Array<Array<string | number | undefined | null>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (c === undefined || c === null ? '' : String(c))));
  return t.toString();
}

/** "0.81 (0.66 to 0.90, 60 examples)": a figure always with its interval and what it rests on. */
export function figure(
  value: number | undefined,
  interval?: { low: number; high: number },
  examples?: number,
): string {
  if (value === undefined) return '-';
  const parts = [interval ? `${fmt(interval.low)} to ${fmt(interval.high)}` : undefined];
  if (examples !== undefined) parts.push(`${examples} examples`);
  const inside = parts.filter(Boolean).join(', ');
  return inside ? `${fmt(value)} (${inside})` : fmt(value);
}

export const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

const TICKS = '▁▂▃▄▅▆▇█';

/** A one-line curve of the last `width` values, scaled between their own min and max. */
export function sparkline(values: number[], width = 24): string {
  const v = values.filter(Number.isFinite).slice(-width);
  if (v.length === 0) return '';
  const lo = Math.min(...v);
  const span = Math.max(...v) - lo || 1;
  return v.map((x) => TICKS[Math.round(((x - lo) / span) * (TICKS.length - 1))]).join('');
}
