/**
 * The advisor bench's real small-data tasks and their frozen features. Each task is a pool of real
 * labelled examples (MNIST digits, Google's Noto emoji by sub-category or by group); every image
 * is preprocessed as a job preprocesses it for each base (the resolved job's image settings),
 * then goes through the base once, giving its pooled features at every cut the advisor would
 * choose. A draw's training examples and its held-out ones are both taken from the pool, so the
 * advisor's scores and the truth (each candidate's spec trained and scored) are computed on the
 * very features the job and the advisor would compute. Features are cached on disk
 * (BENCH_ADVISOR_CACHE) so a rerun skips the forward passes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describeBase, loadBaseModel, type StoredBase } from '../src/base-models/base-ref.js';
import { candidateSpec, encoderSpec, type FitRecipe } from '../src/advisor/candidate.js';
import { ENCODER_CUT } from '../src/advisor/modalities.js';
import { loadSentenceEncoder } from '../src/ml/sentence-encoder.js';
import { spamAssassin } from '../scripts/demo/mail.js';
import { chooseCuts, fineTuneStart, type CutPoint } from '../src/advisor/cut-points.js';
import { catalogFineTuneHint } from '../src/advisor/probe-layers.js';
import type { CandidateSpec } from '../src/contracts/advisor.js';
import { resolveImageInput } from '../src/contracts/layer-refs.js';
import { preprocessImage } from '../src/datasets/image/image-preprocess.js';
import { mulberry32, shuffle } from '../src/lib/seeded-split.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { extractCutFeatures, measureCutCost, sampleInputs } from '../src/ml/probe-features.js';
import type { FsStore } from '../src/storage/fs-store.js';
import { mnistPng } from '../test/helpers/mnist-zip.js';

const require = createRequire(import.meta.url);

export interface PoolItem {
  label: number;
  /** An image task's example. */
  png?: () => Promise<Buffer>;
  /** A text task's example. */
  text?: string;
}

export interface PoolTask {
  name: string;
  kind: 'image' | 'text';
  what: string;
  classes: string[];
  items: PoolItem[];
  /** Examples per class the plan may draw for training (at most the smallest class minus held-out). */
  sizes: number[];
}

/** One candidate's features over the whole pool, as the advisor would compute them. */
export interface PoolCandidate {
  baseName: string;
  baseId: string;
  stored: StoredBase;
  cutAt: string;
  dim: number;
  values: Float32Array;
  msPerExample: number;
  params: number;
  depth: number;
  /** Where fine-tuning this cut would start, as the advisor finds it (none for an encoder). */
  fineTuneFrom?: string;
  /** The candidate's ready spec, as the advisor writes it for a dataset fit by `recipe`. */
  spec: (recipe: FitRecipe, seed: number) => CandidateSpec;
}

function specOf(base: StoredBase, ref: { baseModelId: string }, cut: CutPoint): PoolCandidate['spec'] {
  return (recipe, seed) =>
    base.encoder ? encoderSpec(ref, seed, recipe) : candidateSpec(ref, cut, seed, recipe);
}

export interface TaskPool {
  task: PoolTask;
  labels: number[];
  candidates: PoolCandidate[];
  /** Forward time per example and base (all cuts at once), for the advisor's time. */
  forwardMs: Record<string, number>;
}

/** MNIST digits: `perClass` of each digit. */
export function mnistTask(digits: number[], perClass: number, sizes: number[]): PoolTask {
  const items = digits.flatMap((d, label) =>
    Array.from({ length: perClass }, (_, i) => ({ label, png: () => mnistPng(d, i) })),
  );
  return {
    name: `mnist-${digits[0]}-${digits[digits.length - 1]}`,
    kind: 'image',
    what: `MNIST digits ${digits.join(', ')}, ${perClass} per digit`,
    classes: digits.map(String),
    items,
    sizes,
  };
}

interface Emoji {
  name: string;
  image: string;
  category: string;
  subcategory: string;
  has_img_google: boolean;
}

/** Google's Noto emoji (64-pixel PNGs), classed by `field`, at most `cap` per class. */
export function emojiTask(
  field: 'category' | 'subcategory',
  classes: string[],
  cap: number,
  sizes: number[],
): PoolTask {
  const pkg = 'emoji-datasource-google';
  const dir = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'img', 'google', '64');
  const all = (require(`${pkg}/emoji.json`) as Emoji[]).filter((e) => e.has_img_google);
  const rng = mulberry32(7);
  const items = classes.flatMap((c, label) =>
    shuffle(
      all.filter((e) => e[field] === c),
      rng,
    )
      .slice(0, cap)
      .map((e) => ({ label, png: () => readFile(path.join(dir, e.image)) })),
  );
  return {
    name: `emoji-${field}`,
    kind: 'image',
    what: `Noto emoji by ${field} (${classes.length} classes, at most ${cap} each)`,
    classes,
    items,
    sizes,
  };
}

/** SpamAssassin mails (subject and body), `perClass` spam and `perClass` ham, drawn with a fixed seed. */
export function spamTask(perClass: number, sizes: number[]): PoolTask {
  const mails = spamAssassin();
  const rng = mulberry32(11);
  const classes = ['ham', 'spam'];
  const items = classes.flatMap((c, label) =>
    shuffle(
      mails.filter((m) => m.label === c),
      rng,
    )
      .slice(0, perClass)
      .map((m) => ({ label, text: m.text })),
  );
  return {
    name: 'spam',
    kind: 'text',
    what: `SpamAssassin mails, ${perClass} spam and ${perClass} ham`,
    classes,
    items,
    sizes,
  };
}

/**
 * The pool's features for every candidate of the bases (`cutsPerBase` cuts each, chosen as the
 * advisor chooses them), read from the cache when present.
 */
export async function taskPool(
  store: FsStore,
  task: PoolTask,
  baseIds: string[],
  cutsPerBase: number,
  cacheDir: string,
  say: (line: string) => void,
): Promise<TaskPool> {
  const candidates: PoolCandidate[] = [];
  const forwardMs: Record<string, number> = {};
  for (const baseId of baseIds) {
    const ref = { baseModelId: baseId };
    const base = await describeBase(store, ref);
    const name = base.name ?? baseId;
    const cuts = base.encoder
      ? [{ name: ENCODER_CUT, index: 0, rank: 2 }]
      : chooseCuts(base.layers, base.recommendedCutAt, cutsPerBase);
    const file = path.join(cacheDir, `${task.name}-${task.items.length}-${name}-${cutsPerBase}`);
    let entry = await readCache(file);
    if (!entry) {
      const t = performance.now();
      entry = base.encoder ? await textFeatures(task, base) : await imageFeatures(store, task, base, cuts);
      await writeCache(file, entry);
      say(
        `${task.name}: ${task.items.length} examples through ${name}: ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
    }
    forwardMs[name] = entry.forwardMs;
    const hint = base.encoder ? undefined : await catalogFineTuneHint(store, base);
    for (const [i, c] of cuts.entries()) {
      const fineTuneFrom = base.encoder ? undefined : fineTuneStart(base.layers, c.index, hint);
      candidates.push({
        ...(fineTuneFrom ? { fineTuneFrom } : {}),
        baseName: name,
        baseId,
        stored: base,
        cutAt: c.name,
        ...entry.cuts[i]!,
        depth: c.index,
        spec: specOf(base, ref, c),
      });
    }
  }
  return { task, labels: task.items.map((i) => i.label), candidates, forwardMs };
}

/** Every text of the pool through the sentence encoder (its one cut: the embedding). */
async function textFeatures(task: PoolTask, base: StoredBase): Promise<CacheEntry> {
  const t = performance.now();
  const encoder = await loadSentenceEncoder(base.dir);
  try {
    const texts = task.items.map((i) => i.text ?? '');
    const values = await encoder.encode(texts);
    const msPerExample = (performance.now() - t) / texts.length;
    const dim = base.encoder!.dimension;
    return { forwardMs: msPerExample, cuts: [{ dim, values, msPerExample, params: base.params.total }] };
  } finally {
    encoder.dispose();
  }
}

/** Every image of the pool, preprocessed as a job on this base would, through the base once: pooled features at every cut, and each cut's timed cost. */
async function imageFeatures(
  store: FsStore,
  task: PoolTask,
  base: StoredBase,
  cuts: CutPoint[],
): Promise<CacheEntry> {
  const image = resolveImageInput(
    base.preprocessing?.kind === 'image' ? base.preprocessing.image : undefined,
    [null, ...base.inputShape],
    undefined,
  );
  const [h, w] = image.size;
  const exampleSize = h * w * image.channels;
  const x = new Float32Array(task.items.length * exampleSize);
  for (const [i, item] of task.items.entries()) {
    x.set(await preprocessImage(await item.png!(), image), i * exampleSize);
  }
  const source = new MemorySource(
    x,
    task.items.map((i) => i.label),
    [h, w, image.channels],
  );
  const model = await loadBaseModel(store, base.ref);
  try {
    const names = cuts.map((c) => c.name);
    const got = await extractCutFeatures(model, names, source, { batchSize: 8 });
    const sample = await sampleInputs(source, 4);
    const costs: Array<{ msPerExample: number; params: number }> = [];
    for (const c of cuts) costs.push(await measureCutCost(model, c.name, sample));
    sample.dispose();
    return {
      forwardMs: got.msPerExample,
      cuts: got.cuts.map((c, i) => ({ dim: c.dim, values: c.values, ...costs[i]! })),
    };
  } finally {
    model.dispose();
  }
}

interface CacheEntry {
  forwardMs: number;
  cuts: Array<{ dim: number; values: Float32Array; msPerExample: number; params: number }>;
}

async function readCache(file: string): Promise<CacheEntry | undefined> {
  try {
    const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Omit<CacheEntry, 'cuts'> & {
      cuts: Array<Omit<CacheEntry['cuts'][number], 'values'> & { rows: number }>;
    };
    const buf = await readFile(`${file}.f32`);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    let at = 0;
    const cuts = meta.cuts.map(({ rows, ...c }) => {
      const values = all.slice(at, at + c.dim * rows);
      at += values.length;
      return { ...c, values };
    });
    return { forwardMs: meta.forwardMs, cuts };
  } catch {
    return undefined;
  }
}

async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const meta = {
    forwardMs: entry.forwardMs,
    cuts: entry.cuts.map((c) => ({
      dim: c.dim,
      rows: c.values.length / c.dim,
      msPerExample: c.msPerExample,
      params: c.params,
    })),
  };
  const total = entry.cuts.reduce((s, c) => s + c.values.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const c of entry.cuts) {
    all.set(c.values, at);
    at += c.values.length;
  }
  await writeFile(`${file}.f32`, Buffer.from(all.buffer));
  await writeFile(`${file}.json`, JSON.stringify(meta));
}
