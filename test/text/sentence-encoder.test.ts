import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useLiteDir } from '../../src/base-models/use-lite.js';
import { selectBackend } from '../../src/ml/backend.js';
import { countTokens, encoderIds, loadSentenceEncoder, tokenizerFor } from '../../src/ml/sentence-encoder.js';
import { buildVocabulary, vocabularyIndex, wordIds, words } from '../../src/lib/word-tokens.js';

describe('USE lite sentence encoder', () => {
  it('embeds texts (unit vectors, similar texts closer) and leaves no tensor behind', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const encoder = await loadSentenceEncoder(useLiteDir());
    expect(encoder.dimension).toBe(512);
    const texts = [
      'the striker scored a goal',
      'a forward kicked the ball into the net',
      'bake the bread for an hour',
      '',
    ];
    const e = await encoder.encode(texts);
    expect(e.length).toBe(4 * 512);
    const row = (i: number) => e.subarray(i * 512, (i + 1) * 512);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, k) => s + v * (b[k] as number), 0);
    expect(dot(row(0), row(0))).toBeCloseTo(1, 3);
    expect(dot(row(0), row(1))).toBeGreaterThan(dot(row(0), row(2)));
    const again = await encoder.encode([texts[0] as string]);
    // The same text in another batch gives the same embedding (up to float rounding).
    again.forEach((v, k) => expect(v).toBeCloseTo(row(0)[k] as number, 4));
    encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('counts SentencePiece tokens with the packaged vocabulary, reading only what the encoder reads', async () => {
    const tok = await tokenizerFor(useLiteDir());
    expect(countTokens(tok, 'hello world')).toBe(3);
    const long = Array.from({ length: 300 }, (_, i) => `Word${i}, unbelievably-long  text\n`).join(' ');
    // The first 128 tokens of the cut text are exactly those of the whole text.
    expect(encoderIds(tok, long)).toEqual(tok.encode(long).slice(0, 128));
    expect(countTokens(tok, long)).toBe(129);
  });

  it('builds word ids over a vocabulary learned from texts', () => {
    expect(words("Hello, World! It's 2 o\u2019clock")).toEqual(['hello', 'world', "it's", '2', 'o', 'clock']);
    const vocab = buildVocabulary(['a b b', 'b c'], 2);
    expect(vocab).toEqual(['b', 'a']);
    expect(Array.from(wordIds('b a z', vocabularyIndex(vocab), 4))).toEqual([2, 3, 1, 0]);
  });
});
