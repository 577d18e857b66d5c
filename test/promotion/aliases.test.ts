import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutOfFoldFile } from '../../src/contracts/evaluation.js';
import { ConflictError, ValidationError } from '../../src/lib/errors.js';
import { ModelAliases } from '../../src/models/aliases.js';
import { parseModelRef } from '../../src/models/names.js';
import { compareOutOfFold } from '../../src/promotion/compare.js';
import { FsStore } from '../../src/storage/fs-store.js';

let root: string;
let aliases: ModelAliases;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aliases-'));
  const store = new FsStore(path.join(root, 'data'));
  await store.init();
  aliases = new ModelAliases(store);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('ModelAliases', () => {
  it('records every one of many concurrent moves, each after the one before it', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => aliases.move('emoji', 'production', i + 1)));
    const [view] = await aliases.list('emoji');
    expect(view!.alias).toBe('production');
    const all = [view!.version, ...view!.history.map((h) => h.version)];
    expect(new Set(all)).toEqual(new Set(Array.from({ length: 12 }, (_, i) => i + 1)));
    // Each move names the version it replaced: the moves form one chain, none lost.
    const chain = [view!, ...view!.history];
    for (let i = 0; i < chain.length - 1; i++) expect(chain[i]!.previous).toBe(chain[i + 1]!.version);
    expect(chain.at(-1)!.previous).toBe(0);
    expect(await aliases.current('emoji', 'production')).toBe(view!.version);
  });

  it('moves only from the expected version (compare-and-swap), and removal hides the alias', async () => {
    await aliases.move('digits', 'production', 1);
    await expect(aliases.move('digits', 'production', 3, { expected: 2 })).rejects.toThrow(ConflictError);
    await aliases.move('digits', 'production', 3, { expected: 1 });
    expect(await aliases.current('digits', 'production')).toBe(3);
    await aliases.move('digits', 'production', 0);
    expect(await aliases.current('digits', 'production')).toBeUndefined();
    expect(await aliases.list('digits')).toEqual([]);
    await expect(aliases.move('digits', 'Bad Alias', 1)).rejects.toThrow(ValidationError);
  });

  it('reads name@version and name@alias references', () => {
    expect(parseModelRef('emoji@production')).toEqual({ kind: 'alias', name: 'emoji', alias: 'production' });
    expect(parseModelRef('emoji@3')).toEqual({ kind: 'name', name: 'emoji', version: 3 });
    expect(parseModelRef('emoji')).toEqual({ kind: 'name', name: 'emoji' });
    expect(() => parseModelRef('emoji@')).toThrow(ValidationError);
    expect(() => parseModelRef('emoji@0')).toThrow(ValidationError);
  });
});

describe('compareOutOfFold', () => {
  const file = (classes: string[], rows: Array<[string, number, number]>): OutOfFoldFile => ({
    method: 'cross-validation',
    folds: 2,
    classes,
    task: 'classification',
    predictions: rows.map(([exampleId, label, predicted]) => ({ exampleId, fold: 0, label, predicted })),
  });

  it('pairs examples by id and class name, leaving out relabelled ones and unshared ones', () => {
    const a = file(
      ['cat', 'dog'],
      [
        ['x1', 0, 0],
        ['x2', 1, 0],
        ['x3', 1, 1],
        ['x4', 0, 0],
        ['only-a', 0, 0],
      ],
    );
    // b orders its classes the other way and relabelled x4 (cat -> dog).
    const b = file(
      ['dog', 'cat'],
      [
        ['x1', 1, 1],
        ['x2', 0, 0],
        ['x3', 0, 1],
        ['x4', 0, 0],
        ['only-b', 0, 0],
      ],
    );
    const c = compareOutOfFold(a, b)!;
    expect(c.examples).toBe(3);
    expect(c.labelChanged).toBe(1);
    expect(c.counts).toEqual({ both: 1, aOnly: 1, bOnly: 1, neither: 0 });
    expect(c.a.accuracy).toBeCloseTo(2 / 3, 10);
    expect(c.difference.accuracy).toBe(0);
    expect(c.verdict).toBe('no-clear-difference');
    expect(compareOutOfFold(a, file(['cat', 'dog'], [['zz', 0, 0]]))).toBeUndefined();
  });
});
