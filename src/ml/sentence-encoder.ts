import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder';
import { readArtifacts } from './model-io.js';

/**
 * A sentence encoder in the Universal Sentence Encoder lite layout: a TF.js GraphModel taking a
 * sparse batch of SentencePiece ids (`indices` [n, 2] = (text, position), `values` [n]) and
 * returning one L2-normalised embedding per text, plus its SentencePiece vocabulary
 * (`vocab.json`: [piece, score] pairs). Tokenizing uses the Tokenizer of
 * @tensorflow-models/universal-sentence-encoder, the one the model was published with.
 *
 * The GraphModel has dynamic ops (its ClipToMaxLength uses Where), so it runs with
 * executeAsync; it is never trained: the service uses it as a frozen feature extractor.
 */

export const ENCODER_VOCAB_FILE = 'vocab.json';
/** USE lite reads at most this many SentencePiece tokens of a text (its ClipToMaxLength). */
export const USE_LITE_MAX_TOKENS = 128;
/** Texts per encoder call: its attention is quadratic in length, so batches stay moderate. */
export const ENCODE_BATCH = 64;

export type Vocabulary = Array<[string, number]>;

const tokenizers = new Map<string, Promise<Tokenizer>>();

/** The tokenizer of the vocabulary in `dir` (built once per process and folder). */
export function tokenizerFor(dir: string): Promise<Tokenizer> {
  const key = path.resolve(dir);
  let t = tokenizers.get(key);
  if (!t) {
    t = readFile(path.join(key, ENCODER_VOCAB_FILE), 'utf8').then(
      (text) => new Tokenizer(JSON.parse(text) as Vocabulary),
    );
    t.catch(() => tokenizers.delete(key));
    tokenizers.set(key, t);
  }
  return t;
}

/**
 * The part of a text the encoder can read: its first `maxTokens` space-separated chunks. The
 * tokenizer marks every space as the start of a piece (pieces never span one), so each chunk
 * yields at least one token and is tokenized independently of what follows: the first
 * `maxTokens` tokens are exactly those of the whole text. It matters because the tokenizer's
 * lattice is quadratic in the text's length (a 2,000-character mail took over 100 ms).
 */
export function encoderPart(text: string, maxTokens = USE_LITE_MAX_TOKENS): string {
  let at = -1;
  for (let i = 0; i < maxTokens; i++) {
    at = text.indexOf(' ', at + 1);
    if (at < 0) return text;
  }
  return text.slice(0, at);
}

/** SentencePiece tokens of a text, counted up to `maxTokens + 1` (more means it is cut). */
export function countTokens(tokenizer: Tokenizer, text: string, maxTokens = USE_LITE_MAX_TOKENS): number {
  const n = tokenizer.encode(encoderPart(text, maxTokens + 1)).length;
  return Math.min(n, maxTokens + 1);
}

/** The ids the encoder reads for a text (at least one: an empty text is the unknown piece). */
export function encoderIds(tokenizer: Tokenizer, text: string, maxTokens = USE_LITE_MAX_TOKENS): number[] {
  const e = tokenizer.encode(encoderPart(text, maxTokens)).slice(0, maxTokens);
  return e.length > 0 ? e : [0];
}

export interface SentenceEncoder {
  readonly dimension: number;
  /** One row of `dimension` floats per text, row-major. */
  encode(texts: readonly string[], onBatch?: (done: number) => void): Promise<Float32Array>;
  dispose(): void;
}

export interface EncoderSummary {
  inputs: Array<{ name: string; shape: number[] | null; dtype: string }>;
  outputs: Array<{ name: string; shape: number[] | null }>;
  params: number;
  dimension: number;
  vocabularySize: number;
}

/** Loads the encoder in `dir` (model.json, shards, vocab.json). The caller disposes it. */
export async function loadSentenceEncoder(dir: string): Promise<SentenceEncoder> {
  const [model, tokenizer] = await Promise.all([
    tf.loadGraphModel(tf.io.fromMemory(await readArtifacts(dir))),
    tokenizerFor(dir),
  ]);
  let dimension: number;
  try {
    dimension = (await embed(model, tokenizer, ['hello'])).length;
  } catch (err) {
    model.dispose();
    throw err;
  }
  return {
    dimension,
    async encode(texts, onBatch) {
      const out = new Float32Array(texts.length * dimension);
      for (let i = 0; i < texts.length; i += ENCODE_BATCH) {
        out.set(await embed(model, tokenizer, texts.slice(i, i + ENCODE_BATCH)), i * dimension);
        onBatch?.(Math.min(texts.length, i + ENCODE_BATCH));
      }
      return out;
    },
    dispose: () => model.dispose(),
  };
}

/** Loads, checks and describes an encoder folder (registration); nothing stays loaded. */
export async function inspectSentenceEncoder(dir: string): Promise<EncoderSummary> {
  const encoder = await loadSentenceEncoder(dir);
  const model = await tf.loadGraphModel(tf.io.fromMemory(await readArtifacts(dir)));
  try {
    let params = 0;
    for (const ts of Object.values(model.weights)) for (const t of ts) params += t.size;
    const tokenizer = await tokenizerFor(dir);
    return {
      inputs: model.inputs.map((i) => ({ name: i.name, shape: i.shape ?? null, dtype: i.dtype })),
      outputs: [{ name: model.outputs[0]?.name ?? 'output', shape: [-1, encoder.dimension] }],
      params,
      dimension: encoder.dimension,
      vocabularySize: (tokenizer as unknown as { vocabulary: unknown[] }).vocabulary.length,
    };
  } finally {
    model.dispose();
    encoder.dispose();
  }
}

async function embed(
  model: tf.GraphModel,
  tokenizer: Tokenizer,
  texts: readonly string[],
): Promise<Float32Array> {
  // An empty text has no tokens; the encoder needs at least one per row to emit that row.
  const ids = texts.map((t) => encoderIds(tokenizer, t));
  const n = ids.reduce((a, e) => a + e.length, 0);
  const idx = new Int32Array(n * 2);
  const vals = new Int32Array(n);
  let k = 0;
  ids.forEach((e, row) => {
    e.forEach((v, pos) => {
      idx[2 * k] = row;
      idx[2 * k + 1] = pos;
      vals[k++] = v;
    });
  });
  const indices = tf.tensor2d(idx, [n, 2], 'int32');
  const values = tf.tensor1d(vals, 'int32');
  try {
    const out = (await model.executeAsync({ indices, values })) as tf.Tensor;
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  } finally {
    indices.dispose();
    values.dispose();
  }
}
