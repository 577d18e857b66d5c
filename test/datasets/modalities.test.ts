import { describe, expect, it } from 'vitest';
import { MODALITIES, modalityForUpload, modalityOf } from '../../src/datasets/modalities.js';

describe('dataset modalities', () => {
  it('registers each modality once, for one upload kind each', () => {
    const kinds = MODALITIES.map((m) => m.kind);
    const uploads = MODALITIES.map((m) => m.upload);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(new Set(uploads).size).toBe(uploads.length);
    expect(modalityOf('image').upload).toBe('zip');
    expect(modalityForUpload('csv').kind).toBe('tabular');
  });
});
