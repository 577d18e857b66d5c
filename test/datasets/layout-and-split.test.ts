import { describe, expect, it } from 'vitest';
import { planLayout } from '../../src/datasets/image/image-layout.js';
import { epochOrder, stratifiedSplit } from '../../src/lib/seeded-split.js';

describe('planLayout', () => {
  const labelsOf = (paths: string[]) => {
    const plan = planLayout(paths);
    if (plan.layout !== 'folders') throw new Error('expected folders');
    return plan.images.map((i) => `${i.split}:${i.label}:${i.path}`);
  };

  it('reads class folders, nested files belonging to their top class folder', () => {
    expect(labelsOf(['a/1.png', 'a/sub/2.JPG', 'b/3.webp'])).toEqual([
      'train:a:a/1.png',
      'train:a:a/sub/2.JPG',
      'train:b:b/3.webp',
    ]);
  });

  it('strips one enclosing folder, but not when it is the only class', () => {
    expect(labelsOf(['top/a/1.png', 'top/b/2.png'])).toEqual(['train:a:top/a/1.png', 'train:b:top/b/2.png']);
    expect(labelsOf(['only/1.png', 'only/2.png'])).toEqual([
      'train:only:only/1.png',
      'train:only:only/2.png',
    ]);
  });

  it('recognises split folders (any case, val/validation/valid) and requires train', () => {
    expect(labelsOf(['Train/a/1.png', 'validation/a/2.png', 'test/b/3.png', 'train/b/4.png'])).toEqual([
      'train:a:Train/a/1.png',
      'validation:a:validation/a/2.png',
      'test:b:test/b/3.png',
      'train:b:train/b/4.png',
    ]);
    expect(() => planLayout(['val/a/1.png', 'test/b/2.png'])).toThrow(/no train\/ folder/);
    // A class that happens to be called "test" next to ordinary classes is just a class.
    expect(labelsOf(['test/1.png', 'cats/2.png'])).toEqual([
      'train:test:test/1.png',
      'train:cats:cats/2.png',
    ]);
  });

  it('finds labels.csv at the root or inside the one enclosing folder', () => {
    expect(planLayout(['labels.csv', 'x.png'])).toMatchObject({
      layout: 'labels-csv',
      labelsPath: 'labels.csv',
      root: '',
    });
    expect(planLayout(['d/LABELS.csv', 'd/x.png'])).toMatchObject({
      layout: 'labels-csv',
      labelsPath: 'd/LABELS.csv',
      root: 'd/',
    });
  });
});

describe('stratifiedSplit', () => {
  it('keeps singleton classes in train and leaves at least one training example per class', () => {
    const groups = [0, 0, 1, 2, 2, 2];
    const s = stratifiedSplit(groups, 0.9, 3);
    expect(s.validation.map((i) => groups[i])).toEqual([0, 2, 2]);
    expect(s.train.map((i) => groups[i]).sort()).toEqual([0, 1, 2]);
  });

  it('is a partition in stored order', () => {
    const groups = Array.from({ length: 50 }, (_, i) => i % 3);
    const s = stratifiedSplit(groups, 0.3, 11);
    expect([...s.train, ...s.validation].sort((a, b) => a - b)).toEqual(groups.map((_, i) => i));
    expect(s.train).toEqual([...s.train].sort((a, b) => a - b));
  });

  it('orders epochs from (seed, epoch)', () => {
    expect(epochOrder(5, { shuffle: false, seed: 1, epoch: 3 })).toEqual([0, 1, 2, 3, 4]);
    const a = epochOrder(20, { shuffle: true, seed: 1, epoch: 0 });
    expect(epochOrder(20, { shuffle: true, seed: 1, epoch: 0 })).toEqual(a);
    expect(epochOrder(20, { shuffle: true, seed: 2, epoch: 0 })).not.toEqual(a);
  });
});
