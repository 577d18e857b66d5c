import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUpload } from '../../src/datasets/ingest.js';
import type { DatasetExampleSource } from '../../src/datasets/modality.js';
import { openTrainingData } from '../../src/datasets/training-data.js';
import { FsStore } from '../../src/storage/fs-store.js';
import type { Store } from '../../src/storage/store.js';

/**
 * Preprocessing that a source learns from data (a table's mean and std, a word vocabulary) is
 * learned again from a cross-validation fold's training rows only (`fitPreprocessing`), so the
 * held-out fold never shapes the inputs it is scored on.
 */

let root: string;
let store: Store;

async function storeUpload(text: string, filename: string): Promise<string> {
  const data = Buffer.from(text);
  const file = path.join(root, filename);
  await writeFile(file, data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const limits = { maxEntries: 1000, maxBytes: 1 << 20 };
  return (await ingestUpload(store, { path: file, filename, bytes: data.length, sha256 }, {}, limits)).id;
}

async function rowsOf(source: DatasetExampleSource): Promise<number[][]> {
  const out: number[][] = [];
  for await (const { xs, ys } of source.batches(8, { shuffle: false, seed: 0, epoch: 0 })) {
    out.push(...((await xs.array()) as number[][]));
    tf.dispose([xs, ys]);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'fold-preprocessing-'));
  store = new FsStore(path.join(root, 'data'));
  await store.init();
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('preprocessing learned per fold', () => {
  it("standardises a table with the fold's training rows, not the held-out outliers", async () => {
    // Rows 1-30 small, rows 31-40 (the held-out fold) two orders of magnitude larger.
    const values = Array.from({ length: 40 }, (_, i) => (i < 30 ? (i % 5) + 1 : 500 + i));
    const csv = 'x,label\n' + values.map((v, i) => `${v},${i % 2 ? 'odd' : 'even'}`).join('\n') + '\n';
    const id = await storeUpload(csv, 'table.csv');
    const { data } = await openTrainingData(store, id, { validationSplit: 0, seed: 1, allExamples: true });
    const all = data.train;
    const at = (k: string) => values[Number(k.slice(4)) - 1] as number;
    const trainRows = all.keys.flatMap((k, i) => (Number(k.slice(4)) <= 30 ? [i] : []));
    const heldRows = all.keys.flatMap((k, i) => (Number(k.slice(4)) > 30 ? [i] : []));
    const fitted = await all.fitPreprocessing!(trainRows);

    const own = trainRows.map((i) => at(all.keys[i] as string));
    const seenTrain = (await rowsOf(fitted.subset(trainRows))).map((r) => r[0] as number);
    expect(mean(seenTrain)).toBeCloseTo(0, 5);
    expect(std(seenTrain)).toBeCloseTo(1, 4);
    const seenHeld = await rowsOf(fitted.subset(heldRows));
    heldRows.forEach((row, j) => {
      const v = at(all.keys[row] as string);
      expect(seenHeld[j]![0]).toBeCloseTo((v - mean(own)) / std(own), 3);
    });
    // The whole table's statistics, which the held-out rows dominate, would squash the fold's rows.
    const leaky = (await rowsOf(all.subset(trainRows))).map((r) => r[0] as number);
    expect(std(leaky)).toBeLessThan(0.1);
  });

  it("learns a text vocabulary from the fold's training texts: a word seen only held out is unknown", async () => {
    const texts = Array.from({ length: 20 }, (_, i) =>
      i < 16 ? `common words ${i % 2 ? 'good' : 'bad'} here` : 'zebra zebra unseen here',
    );
    const csv = 'text,label\n' + texts.map((t, i) => `${t},${i % 2 ? 'pos' : 'neg'}`).join('\n') + '\n';
    const id = await storeUpload(csv, 'texts.csv');
    const { data } = await openTrainingData(store, id, {
      validationSplit: 0,
      seed: 1,
      allExamples: true,
      text: { tokenizer: 'words', maxVocabulary: 100, maxLength: 8 },
    });
    const all = data.train;
    // Keys are the CSV's line numbers ("line 2" is the first text).
    const textOf = (i: number) => texts[Number(/\d+$/.exec(all.keys[i] as string)?.[0]) - 2] as string;
    const indices = all.keys.map((_, i) => i);
    const held = indices.filter((i) => textOf(i).startsWith('zebra'));
    const train = indices.filter((i) => !textOf(i).startsWith('zebra'));
    expect(held).toHaveLength(4);

    const rows = await rowsOf(all);
    const trainIds = new Set(train.flatMap((i) => rows[i] as number[]));
    // With every text's vocabulary, 'zebra' and 'unseen' have ids of their own.
    expect(rows[held[0]!]!.slice(0, 3).every((w) => w > 1 && !trainIds.has(w))).toBe(true);

    const fitted = await all.fitPreprocessing!(train);
    const foldRows = await rowsOf(fitted);
    for (const i of held) {
      // 'zebra zebra unseen here': three out-of-vocabulary words (id 1), then 'here', then padding.
      expect(foldRows[i]!.slice(0, 3)).toEqual([1, 1, 1]);
      expect(foldRows[i]![3]).toBeGreaterThan(1);
    }
    // The padded length, the model's input shape, stays the job's.
    expect(foldRows[0]!.length).toBe(rows[0]!.length);
  });
});
