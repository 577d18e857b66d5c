import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { AuditFinding } from '../../src/contracts/audit.js';
import { zipOf, type ZipItem } from './dataset-fixtures.js';
import { mnistPng } from './mnist-zip.js';
import { seededRandom } from './seeded-random.js';

/**
 * Real data with faults injected where the truth is known, for audits (tests and bench): MNIST
 * digits with a share of labels flipped, exact copies filed under another class, resized and
 * recompressed copies in the same split and across splits (leaks), and a few images of
 * nothing like a digit; the spam-assassin mails of samples/ with the same kinds of faults.
 */

export interface InjectedTruth {
  /** Example (archive path or text source) -> its true label, for every flipped label. */
  flipped: Map<string, string>;
  /** Pairs of an original and its copy (exact or near), within one split. */
  duplicates: Array<[string, string]>;
  /** Pairs of a training original and its copy in another split. */
  leaks: Array<[string, string]>;
  outliers: Set<string>;
  /** Copies filed under another label than their original: wrong labels too. */
  mislabelled: Set<string>;
}

export interface FaultyImages {
  zip: Buffer;
  truth: InjectedTruth;
  /** Every example's archive path. */
  paths: string[];
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

/** A resized copy (28 -> 40 px, back to PNG): other bytes, the same digit. */
async function resized(png: Buffer): Promise<Buffer> {
  return sharp(png).resize(40, 40).png().toBuffer();
}

/** A recompressed copy (JPEG at quality 60). */
async function recompressed(png: Buffer): Promise<Buffer> {
  return sharp(png).jpeg({ quality: 60 }).toBuffer();
}

/** Images of nothing like a digit: a colour gradient, a checkerboard, seeded noise. */
async function unrelated(kind: number, seed: number): Promise<Buffer> {
  const size = 28;
  const rnd = seededRandom(seed);
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const at = (y * size + x) * 3;
      const px =
        kind === 0
          ? [x * 9, y * 9, 255 - x * 4]
          : kind === 1
            ? ((x >> 2) + (y >> 2)) % 2
              ? [250, 200, 0]
              : [0, 60, 200]
            : [rnd() * 255, rnd() * 255, rnd() * 255];
      raw.set(
        px.map((v) => Math.max(0, Math.min(255, Math.round(v)))),
        at,
      );
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

export async function faultyDigits(opts: {
  digits: number[];
  perClass: number;
  valPerClass: number;
  flipRate: number;
  seed: number;
  /** Copies of each fault kind (default 2); 0 makes a clean dataset (no flips unless flipRate). */
  copies?: number;
  outliers?: number;
}): Promise<FaultyImages> {
  const rnd = seededRandom(opts.seed);
  const copies = opts.copies ?? 2;
  const truth: InjectedTruth = {
    flipped: new Map(),
    duplicates: [],
    leaks: [],
    outliers: new Set(),
    mislabelled: new Set(),
  };
  const items: ZipItem[] = [];
  const train: Array<{ label: string; name: string; data: Buffer }> = [];
  for (const d of opts.digits) {
    for (let i = 0; i < opts.perClass; i++) {
      train.push({ label: String(d), name: `d${d}-${i}.png`, data: await mnistPng(d, i) });
    }
    for (let i = 0; i < opts.valPerClass; i++) {
      items.push({ name: `val/${d}/v${d}-${i}.png`, data: await mnistPng(d, 500 + i) });
    }
  }
  // Flipped labels: a share of the training images filed under another digit.
  const order = train.map((_, i) => i).sort(() => rnd() - 0.5);
  const flips = Math.round(train.length * opts.flipRate);
  const flippedAt = new Set(order.slice(0, flips));
  const final = train.map((t, i) => {
    if (!flippedAt.has(i)) return t;
    const to = pick(
      rnd,
      opts.digits.filter((d) => String(d) !== t.label),
    );
    return { ...t, label: String(to), trueLabel: t.label };
  });
  const pathOf = (t: { label: string; name: string }) => `train/${t.label}/${t.name}`;
  for (const t of final) {
    items.push({ name: pathOf(t), data: t.data });
    if ('trueLabel' in t) truth.flipped.set(pathOf(t), t.trueLabel as string);
  }
  const clean = order.slice(flips).map((i) => final[i]!);
  let c = 0;
  const next = () => clean[c++ % clean.length]!;
  for (let k = 0; k < copies; k++) {
    // An exact copy filed under another class (a conflict).
    const a = next();
    const other = String(
      pick(
        rnd,
        opts.digits.filter((d) => String(d) !== a.label),
      ),
    );
    const exact = `train/${other}/copy-exact-${k}.png`;
    items.push({ name: exact, data: a.data });
    truth.duplicates.push([pathOf(a), exact]);
    truth.mislabelled.add(exact);
    // A resized and a recompressed copy in the same class.
    const b = next();
    const big = `train/${b.label}/copy-resized-${k}.png`;
    items.push({ name: big, data: await resized(b.data) });
    truth.duplicates.push([pathOf(b), big]);
    const j = next();
    const jpg = `train/${j.label}/copy-jpeg-${k}.jpg`;
    items.push({ name: jpg, data: await recompressed(j.data) });
    truth.duplicates.push([pathOf(j), jpg]);
    // Leaks: an exact and a resized copy of training images in the validation split.
    const l = next();
    const leak = `val/${l.label}/leak-exact-${k}.png`;
    items.push({ name: leak, data: l.data });
    truth.leaks.push([pathOf(l), leak]);
    const m = next();
    const leak2 = `val/${m.label}/leak-resized-${k}.png`;
    items.push({ name: leak2, data: await resized(m.data) });
    truth.leaks.push([pathOf(m), leak2]);
  }
  for (let k = 0; k < (opts.outliers ?? (copies > 0 ? 3 : 0)); k++) {
    const name = `train/${pick(rnd, opts.digits)}/unrelated-${k}.png`;
    items.push({ name, data: await unrelated(k % 3, opts.seed + k) });
    truth.outliers.add(name);
  }
  return { zip: await zipOf(items), truth, paths: items.map((i) => i.name) };
}

export interface FaultyTexts {
  csv: Buffer;
  truth: InjectedTruth;
}

/** The spam-assassin mails of samples/mails.csv with flipped labels, copies and unrelated texts. */
export async function faultyMails(opts: {
  flipRate: number;
  seed: number;
  copies?: number;
}): Promise<FaultyTexts> {
  const rnd = seededRandom(opts.seed);
  const copies = opts.copies ?? 2;
  const raw = await readFile(new URL('../../samples/mails.csv', import.meta.url), 'utf8');
  const { parse } = await import('csv-parse/sync');
  const rows = (parse(raw, { columns: true }) as Array<{ text: string; label: string }>).map((r) => ({
    ...r,
  }));
  const truth: InjectedTruth = {
    flipped: new Map(),
    duplicates: [],
    leaks: [],
    outliers: new Set(),
    mislabelled: new Set(),
  };
  const other = (l: string) => (l === 'spam' ? 'ham' : 'spam');
  const order = rows.map((_, i) => i).sort(() => rnd() - 0.5);
  const flips = Math.round(rows.length * opts.flipRate);
  const out = rows.map((r) => ({ ...r }));
  // Rows by position: a test maps each text's source to its position through the dataset's examples.
  const ref = (i: number) => `row:${i}`;
  for (const i of order.slice(0, flips)) {
    out[i]!.label = other(rows[i]!.label);
    truth.flipped.set(ref(i), rows[i]!.label);
  }
  const clean = order.slice(flips);
  for (let k = 0; k < copies; k++) {
    const a = clean[k * 2]!;
    out.push({ text: rows[a]!.text, label: other(rows[a]!.label) });
    truth.duplicates.push([ref(a), ref(out.length - 1)]);
    truth.mislabelled.add(ref(out.length - 1));
    const b = clean[k * 2 + 1]!;
    out.push({ text: `Fwd: ${rows[b]!.text}`, label: rows[b]!.label });
    truth.duplicates.push([ref(b), ref(out.length - 1)]);
  }
  const esc = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const csv = ['text,label', ...out.map((r) => `${esc(r.text)},${r.label}`)].join('\n') + '\n';
  return { csv: Buffer.from(csv), truth };
}

export interface KindScore {
  found: number;
  flagged: number;
  truth: number;
  precision: number;
  recall: number;
}

/** Precision and recall of an audit's findings of one kind against the injected truth. */
export function scoreFindings(
  findings: readonly AuditFinding[],
  truth: InjectedTruth,
  /** Example id -> its archive path or text source. */
  nameOf: (exampleId: string) => string,
): Record<'label' | 'duplicate' | 'leak' | 'outlier', KindScore> {
  const of = (kind: AuditFinding['kind']) => findings.filter((f) => f.kind === kind);
  const score = (hits: number, flagged: number, total: number, found: number): KindScore => ({
    found,
    flagged,
    truth: total,
    precision: flagged > 0 ? hits / flagged : 1,
    recall: total > 0 ? found / total : 1,
  });
  const labels = of('label').map((f) => nameOf(f.exampleId));
  // An exact copy filed under another class is a wrong label too.
  const wrong = (p: string) => truth.flipped.has(p) || truth.mislabelled.has(p);
  const pairKey = (a: string, b: string) => [a, b].sort().join('|');
  const pairs = (kind: 'duplicate' | 'leak', list: Array<[string, string]>) => {
    const want = new Set(list.map(([a, b]) => pairKey(a, b)));
    const got = of(kind).map((f) => pairKey(nameOf(f.exampleId), nameOf(f.pair!.exampleId)));
    const hits = got.filter((k) => want.has(k)).length;
    const found = new Set(got.filter((k) => want.has(k))).size;
    return score(hits, got.length, want.size, found);
  };
  const outliers = of('outlier').map((f) => nameOf(f.exampleId));
  return {
    label: score(
      labels.filter(wrong).length,
      labels.length,
      truth.flipped.size,
      [...truth.flipped.keys()].filter((p) => labels.includes(p)).length,
    ),
    duplicate: pairs('duplicate', truth.duplicates),
    leak: pairs('leak', truth.leaks),
    outlier: score(
      outliers.filter((p) => truth.outliers.has(p)).length,
      outliers.length,
      truth.outliers.size,
      [...truth.outliers].filter((p) => outliers.includes(p)).length,
    ),
  };
}
