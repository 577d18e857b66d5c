import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUpload } from '../../src/datasets/ingest.js';
import { readImageIndex, readManifest } from '../../src/datasets/dataset-manifest.js';
import { imagePreprocessingSchema } from '../../src/contracts/preprocessing.js';
import type { DatasetTrainingData } from '../../src/datasets/modality.js';
import { openTrainingData } from '../../src/datasets/training-data.js';
import type { ExampleSource } from '../../src/ml/example-source.js';
import type { Store } from '../../src/storage/store.js';
import { FsStore } from '../../src/storage/fs-store.js';
import { numberedPng, zipOf, type ZipItem } from '../helpers/dataset-fixtures.js';

const LIMITS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };
/** Scale [0, 255] keeps decoded pixel values equal to the encoded bytes. */
const SPEC = imagePreprocessingSchema.parse({ size: [4, 4], scale: [0, 255] });

let root: string;
let store: Store;

async function storeUpload(data: Buffer, filename: string, fields = {}): Promise<string> {
  const file = path.join(root, `${Math.random().toString(36).slice(2)}-${filename}`);
  await writeFile(file, data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const manifest = await ingestUpload(
    store,
    { path: file, filename, bytes: data.length, sha256 },
    fields,
    LIMITS,
  );
  return manifest.id;
}

/** The number an example image encodes (see numberedPng), read from its first decoded pixel. */
function numberAt(x: Float32Array | Int32Array | Uint8Array, i: number, per: number): number {
  return (x[i * per] as number) + 256 * (x[i * per + 1] as number);
}

async function drain(source: ExampleSource, batchSize: number, opts = { shuffle: false, seed: 0, epoch: 0 }) {
  const numbers: number[] = [];
  const labels: number[] = [];
  const shapes: number[][] = [];
  const dtypes: string[] = [];
  for await (const { xs, ys } of source.batches(batchSize, opts)) {
    shapes.push(xs.shape);
    dtypes.push(`${xs.dtype}/${ys.dtype}`);
    const x = (await xs.data()) as Float32Array;
    const per = xs.shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < xs.shape[0]!; i++) numbers.push(numberAt(x, i, per));
    labels.push(...Array.from(await ys.data()));
    xs.dispose();
    ys.dispose();
  }
  return { numbers, labels, shapes, dtypes };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'training-data-'));
  store = new FsStore(path.join(root, 'data'));
  await store.init();
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('openTrainingData: image datasets', () => {
  let id: string;
  /** example number -> class name, from the archive we built. */
  const classOf = new Map<number, string>();

  beforeAll(async () => {
    const items: ZipItem[] = [];
    let n = 0;
    for (const [cls, count] of [
      ['ant', 30],
      ['bee', 20],
      ['cow', 10],
    ] as const) {
      for (let i = 0; i < count; i++) {
        classOf.set(n, cls);
        items.push({ name: `${cls}/${String(i).padStart(2, '0')}.png`, data: await numberedPng(n++) });
      }
    }
    id = await storeUpload(await zipOf(items), 'animals.zip');
  });

  const open = (seed: number, validationSplit = 0.2) =>
    openTrainingData(store, id, { image: SPEC, validationSplit, seed });

  const perClass = (data: DatasetTrainingData, which: 'train' | 'validation') => {
    const counts = [0, 0, 0];
    for (const l of data[which]?.labels ?? []) counts[l]!++;
    return counts;
  };

  it('splits per class (stratified), reproducibly from the seed', async () => {
    const a = await open(1);
    expect(a.data).toMatchObject({
      kind: 'image',
      task: 'classification',
      classes: ['ant', 'bee', 'cow'],
      inputShape: [4, 4, 3],
    });
    expect(a.preprocessing).toEqual({ kind: 'image', image: SPEC });
    expect(a.manifest.id).toBe(id);
    expect(perClass(a.data, 'validation')).toEqual([6, 4, 2]);
    expect(perClass(a.data, 'train')).toEqual([24, 16, 8]);
    const trainKeys = new Set(a.data.train.keys);
    const valKeys = a.data.validation?.keys ?? [];
    expect(valKeys.some((k) => trainKeys.has(k))).toBe(false);
    expect(trainKeys.size + valKeys.length).toBe(60);

    const again = await open(1);
    expect(again.data.validation?.keys).toEqual(valKeys);
    expect(again.data.train.keys).toEqual(a.data.train.keys);

    const other = await open(2);
    expect(other.data.validation?.keys).not.toEqual(valKeys);
    expect(perClass(other.data, 'validation')).toEqual([6, 4, 2]);

    const none = await open(1, 0);
    expect(none.data.validation).toBeUndefined();
    expect(none.data.train.size).toBe(60);
  });

  it('streams batches of the right shape, dtype, pixels and labels, disposing cleanly', async () => {
    const { data } = await open(3);
    const before = tf.memory().numTensors;
    const out = await drain(data.train, 7);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.shapes.map((s) => s[0])).toEqual([7, 7, 7, 7, 7, 7, 6]);
    expect(out.shapes[0]).toEqual([7, 4, 4, 3]);
    expect(new Set(out.dtypes)).toEqual(new Set(['float32/int32']));
    // In stored order, every decoded image is the example its key names, with its class index.
    const index = await readImageIndex(store, id);
    const byId = new Map(index.examples.map((r) => [r.id, r]));
    const expectedNumbers = data.train.keys.map((k) => {
      const rec = byId.get(k)!;
      return (
        Number(rec.path.split('/')[1]!.replace('.png', '')) +
        { ant: 0, bee: 30, cow: 50 }[rec.path.split('/')[0] as 'ant']
      );
    });
    expect(out.numbers).toEqual(expectedNumbers);
    expect(out.labels).toEqual([...data.train.labels]);
    expect(out.numbers.map((n) => classOf.get(n))).toEqual(out.labels.map((l) => data.classes[l]));
  });

  it('shuffles per epoch from the seed, visiting every example once', async () => {
    const { data } = await open(3);
    const e0 = await drain(data.train, 10, { shuffle: true, seed: 9, epoch: 0 });
    const e0again = await drain(data.train, 10, { shuffle: true, seed: 9, epoch: 0 });
    const e1 = await drain(data.train, 10, { shuffle: true, seed: 9, epoch: 1 });
    const stored = await drain(data.train, 10);
    expect(e0.numbers).toEqual(e0again.numbers);
    expect(e1.numbers).not.toEqual(e0.numbers);
    expect(e0.numbers).not.toEqual(stored.numbers);
    expect([...e0.numbers].sort((a, b) => a - b)).toEqual([...stored.numbers].sort((a, b) => a - b));
    expect(e0.numbers.map((n) => classOf.get(n))).toEqual(e0.labels.map((l) => data.classes[l]));
  });

  it('lets a consumer stop early without leaking tensors', async () => {
    const { data } = await open(3);
    const before = tf.memory().numTensors;
    for await (const { xs, ys } of data.train.batches(5, { shuffle: true, seed: 1, epoch: 0 })) {
      xs.dispose();
      ys.dispose();
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applies letterbox and greyscale from the spec', async () => {
    const { data } = await openTrainingData(store, id, {
      image: imagePreprocessingSchema.parse({ size: [6, 2], channels: 1, resize: 'letterbox' }),
      validationSplit: 0,
      seed: 0,
    });
    expect(data.inputShape).toEqual([6, 2, 1]);
    for await (const { xs, ys } of data.train.batches(4, { shuffle: false, seed: 0, epoch: 0 })) {
      expect(xs.shape).toEqual([4, 6, 2, 1]);
      const x = (await xs.data()) as Float32Array;
      // A square image letterboxed into 6x2 leaves black bars at the top and bottom.
      expect(x[0]).toBe(0);
      expect(Math.max(...x)).toBeLessThanOrEqual(1);
      xs.dispose();
      ys.dispose();
      break;
    }
  });

  it('needs an input size for images, and names unknown datasets', async () => {
    await expect(openTrainingData(store, id, { validationSplit: 0.2, seed: 1 })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      openTrainingData(store, 'ds_0000000000000000', { image: SPEC, validationSplit: 0.2, seed: 1 }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(
      openTrainingData(store, id, { image: SPEC, validationSplit: 1, seed: 1 }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('openTrainingData: provided splits', () => {
  it('keeps val as validation and test as test, ignoring validationSplit', async () => {
    const items: ZipItem[] = [];
    let n = 0;
    for (const split of ['train', 'val', 'test']) {
      for (const cls of ['p', 'q']) {
        for (let i = 0; i < (split === 'train' ? 3 : 1); i++) {
          items.push({ name: `${split}/${cls}/${i}.png`, data: await numberedPng(n++) });
        }
      }
    }
    const id = await storeUpload(await zipOf(items), 'split.zip');
    const { data } = await openTrainingData(store, id, { image: SPEC, validationSplit: 0.5, seed: 1 });
    expect([data.train.size, data.validation?.size, data.test?.size]).toEqual([6, 2, 2]);
    const val = await drain(data.validation!, 8);
    expect(val.numbers.sort((a, b) => a - b)).toEqual([6, 7]);
    const test = await drain(data.test!, 8);
    expect(test.numbers.sort((a, b) => a - b)).toEqual([8, 9]);

    // Without val/, test/ serves as validation too.
    const noVal = await storeUpload(await zipOf(items.filter((it) => !it.name.startsWith('val/'))), 'tt.zip');
    const opened = await openTrainingData(store, noVal, { image: SPEC, validationSplit: 0.5, seed: 1 });
    expect([opened.data.train.size, opened.data.validation?.size, opened.data.test?.size]).toEqual([6, 2, 2]);
  });
});

describe('openTrainingData: tabular datasets', () => {
  const rows: Array<{ a: number; b: number; label: string }> = [];
  let id: string;
  beforeAll(async () => {
    let csv = 'a,b,label\n';
    for (let i = 0; i < 40; i++) {
      const row = { a: i, b: 1000 + (i % 7) * 0.5, label: i % 4 === 0 ? 'rare' : 'common' };
      rows.push(row);
      csv += `${row.a},${row.b},${row.label}\n`;
    }
    id = await storeUpload(Buffer.from(csv), 'table.csv');
  });

  it('standardises with the training split only and returns that as preprocessing', async () => {
    const { data, preprocessing, manifest } = await openTrainingData(store, id, {
      validationSplit: 0.2,
      seed: 5,
    });
    expect(manifest.kind).toBe('tabular');
    expect(data).toMatchObject({
      kind: 'tabular',
      task: 'classification',
      classes: ['common', 'rare'],
      inputShape: [2],
    });
    // Stratified: 30 common / 10 rare -> 6 + 2 held out.
    const held = data.validation!.labels;
    expect([held.filter((l) => l === 0).length, held.filter((l) => l === 1).length]).toEqual([6, 2]);

    const trainRows = data.train.keys.map((k) => rows[Number(k.slice(4)) - 1]!);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    const as = trainRows.map((r) => r.a);
    const bs = trainRows.map((r) => r.b);
    if (preprocessing.kind !== 'tabular') throw new Error('expected tabular preprocessing');
    expect(preprocessing.tabular.features).toEqual(['a', 'b']);
    expect(preprocessing.tabular.mean[0]).toBeCloseTo(mean(as), 5);
    expect(preprocessing.tabular.mean[1]).toBeCloseTo(mean(bs), 3);
    expect(preprocessing.tabular.std[0]).toBeCloseTo(std(as), 5);
    expect(preprocessing.tabular.std[1]).toBeCloseTo(std(bs), 3);

    const before = tf.memory().numTensors;
    const seen: number[][] = [];
    const labels: number[] = [];
    for await (const { xs, ys } of data.validation!.batches(4, { shuffle: false, seed: 0, epoch: 0 })) {
      expect(xs.dtype).toBe('float32');
      expect(ys.dtype).toBe('int32');
      seen.push(...((await xs.array()) as number[][]));
      labels.push(...Array.from(await ys.data()));
      tf.dispose([xs, ys]);
    }
    expect(tf.memory().numTensors).toBe(before);
    data.validation!.keys.forEach((k, i) => {
      const r = rows[Number(k.slice(4)) - 1]!;
      expect(seen[i]![0]).toBeCloseTo((r.a - mean(as)) / std(as), 4);
      expect(seen[i]![1]).toBeCloseTo((r.b - mean(bs)) / std(bs), 2);
      expect(labels[i]).toBe(r.label === 'rare' ? 1 : 0);
    });
  });

  it('gives float32 targets for regression', async () => {
    const csv = 'x,y\n' + Array.from({ length: 10 }, (_, i) => `${i},${i * 1.5}`).join('\n');
    const regId = await storeUpload(Buffer.from(csv), 'reg.csv', { labelColumn: 'y' });
    expect((await readManifest(store, regId)).task).toBe('regression');
    const { data } = await openTrainingData(store, regId, { validationSplit: 0.2, seed: 1 });
    expect([data.train.size, data.validation?.size]).toEqual([8, 2]);
    for await (const { xs, ys } of data.train.batches(8, { shuffle: false, seed: 0, epoch: 0 })) {
      expect(ys.dtype).toBe('float32');
      expect(Array.from(await ys.data())).toEqual(data.train.keys.map((k) => (Number(k.slice(4)) - 1) * 1.5));
      tf.dispose([xs, ys]);
    }
  });
});
