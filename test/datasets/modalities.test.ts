import { describe, expect, it } from 'vitest';
import { MODALITIES, modalityForUpload, modalityOf } from '../../src/datasets/modalities.js';

describe('dataset modalities', () => {
  it('registers each modality once and picks one per upload', () => {
    const kinds = MODALITIES.map((m) => m.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(modalityOf('image').uploads).toEqual(['zip']);
    expect(modalityForUpload({ kind: 'csv', csvHeader: ['a', 'label'] }).kind).toBe('tabular');
    expect(modalityForUpload({ kind: 'csv', csvHeader: ['text', 'label'] }).kind).toBe('text');
    expect(modalityForUpload({ kind: 'csv', csvHeader: ['body', 'y'] }, { textColumn: 'body' }).kind).toBe(
      'text',
    );
    expect(modalityForUpload({ kind: 'jsonl' }).kind).toBe('text');
    expect(modalityForUpload({ kind: 'zip', zipPaths: ['cat/a.png', 'dog/b.jpg'] }).kind).toBe('image');
    expect(modalityForUpload({ kind: 'zip', zipPaths: ['spam/a.txt', 'ham/b.txt'] }).kind).toBe('text');
  });
});
