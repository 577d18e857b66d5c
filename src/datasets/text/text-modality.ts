import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import { buildVocabulary, vocabularyIndex, wordIds, words } from '../../lib/word-tokens.js';
import { MemorySource, loadParallelSentenceEncoder } from '../../ml/index.js';
import type { Store } from '../../storage/store.js';
import {
  TEXTS_FILE,
  type DatasetManifest,
  type SplitName,
  type TextDatasetManifest,
  type TextIndex,
} from '../dataset-manifest.js';
import { hasImageExtension } from '../image/image-layout.js';
import type {
  DatasetExampleSource,
  Modality,
  OpenedTrainingData,
  OpenTrainingDataOptions,
  TextInputOptions,
} from '../modality.js';
import { trainingSplits } from '../training-splits.js';
import { ingestTextInThread } from './text-ingest-thread.js';

/** The vocabulary file beside a from-scratch text model. */
export const WORD_VOCAB_FILE = 'vocab.json';

/**
 * Text: a CSV with a text column, JSONL, or a zip of class folders of .txt files. For training,
 * texts become either sentence-encoder embeddings (computed once per job, then the head trains on
 * them for every epoch) or word ids over a vocabulary learned from the training split.
 */
export const textModality: Modality = {
  kind: 'text',
  uploads: ['csv', 'jsonl', 'zip'],
  accepts(probe, fields) {
    if (probe.kind === 'jsonl') return true;
    if (probe.kind === 'csv') {
      return fields.textColumn !== undefined || (probe.csvHeader ?? []).includes('text');
    }
    const paths = probe.zipPaths ?? [];
    return paths.some((p) => p.toLowerCase().endsWith('.txt')) && !paths.some(hasImageExtension);
  },
  async ingest(upload, dir, { common, fields, limits, probe }) {
    if (fields.task === 'regression') {
      throw new ValidationError(
        'text datasets are classification datasets; task regression needs a numeric CSV',
        {
          errors: [{ path: 'body.task', message: 'regression applies to numeric CSV uploads only' }],
        },
      );
    }
    const opts = { textColumn: fields.textColumn ?? 'text', labelColumn: fields.labelColumn ?? 'label' };
    const file = upload.path;
    const result = await ingestTextInThread(
      probe.kind === 'zip'
        ? { kind: 'zip', file, dir, limits }
        : { kind: 'table', file, dir, format: probe.kind, opts },
    );
    const manifest: DatasetManifest = { ...common, ...result };
    return manifest;
  },
  openTrainingData(store, manifest, opts) {
    if (manifest.kind !== 'text') throw new Error(`dataset '${manifest.id}' is not a text dataset`);
    return openText(store, manifest, opts);
  },
};

/** Embeddings cached by an earlier job, when they are all there. */
async function readEmbeddings(file: string, floats: number): Promise<Float32Array | undefined> {
  const buf = await readFile(file).catch(() => undefined);
  if (!buf || buf.byteLength !== floats * 4) return undefined;
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Written beside and renamed into place, so a reader never sees half a file. */
async function writeEmbeddings(file: string, data: Float32Array): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await rename(tmp, file);
  } catch {
    // A cache: the job goes on without it.
  }
}

class KeyedSource extends MemorySource implements DatasetExampleSource {
  constructor(
    features: Float32Array,
    labels: number[],
    shape: number[],
    readonly keys: readonly string[],
  ) {
    super(features, labels, shape, 'classification');
  }

  override subset(indices: readonly number[]): KeyedSource {
    return new KeyedSource(
      this.pick(indices),
      indices.map((i) => this.labels[i] as number),
      [...this.exampleShape],
      indices.map((i) => this.keys[i] as string),
    );
  }
}

/**
 * Word ids of texts, which keeps the texts so that a cross-validation fold can learn its own
 * vocabulary from its training part: a word seen only in the held-out fold is then
 * out-of-vocabulary there, as a new word is for the returned model. The padded length stays
 * the job's (the model's input shape; it carries no label).
 */
class WordIdSource extends KeyedSource {
  constructor(
    features: Float32Array,
    labels: number[],
    keys: readonly string[],
    private readonly texts: readonly string[],
    private readonly words: { maxVocabulary: number; maxLength: number },
  ) {
    super(features, labels, [words.maxLength], keys);
  }

  static of(
    texts: readonly string[],
    labels: number[],
    keys: readonly string[],
    vocabulary: string[],
    words: { maxVocabulary: number; maxLength: number },
  ): WordIdSource {
    const lookup = vocabularyIndex(vocabulary);
    const out = new Float32Array(texts.length * words.maxLength);
    texts.forEach((t, r) => out.set(wordIds(t, lookup, words.maxLength), r * words.maxLength));
    return new WordIdSource(out, labels, keys, texts, words);
  }

  override subset(indices: readonly number[]): WordIdSource {
    return new WordIdSource(
      this.pick(indices),
      indices.map((i) => this.labels[i] as number),
      indices.map((i) => this.keys[i] as string),
      indices.map((i) => this.texts[i] as string),
      this.words,
    );
  }

  fitPreprocessing(indices: readonly number[]): Promise<WordIdSource> {
    const vocabulary = buildVocabulary(
      indices.map((i) => this.texts[i] as string),
      this.words.maxVocabulary,
    );
    return Promise.resolve(WordIdSource.of(this.texts, [...this.labels], this.keys, vocabulary, this.words));
  }
}

/** Opens a text dataset's splits as embeddings of its sentence encoder, or as word ids over the train split's vocabulary. */
async function openText(
  store: Store,
  manifest: TextDatasetManifest,
  opts: OpenTrainingDataOptions,
): Promise<OpenedTrainingData> {
  const spec = opts.text;
  if (!spec) {
    throw new ValidationError(
      `dataset '${manifest.id}' holds texts: train it on a sentence encoder base or with an architecture`,
      { errors: [{ path: 'base', message: 'text datasets need a sentence encoder or an architecture' }] },
    );
  }
  const index = await store.collection('datasets').readJson<TextIndex>(manifest.id, TEXTS_FILE);
  const all = index.texts.map((_, i) => i);
  const { train, validation, test } = trainingSplits(manifest.id, all, {
    provided: manifest.split.provided,
    splitOf: (i) => index.splits[i] as SplitName,
    labelOf: (i) => index.labels[i] as number,
    validationSplit: opts.validationSplit,
    seed: opts.seed,
    ...(opts.allExamples ? { allExamples: true } : {}),
  });

  const { sourceOf, shape, preprocessing, files } =
    spec.tokenizer === 'sentence-encoder'
      ? await embeddingInput(store, manifest, spec, index, all, opts)
      : wordIdInput(spec, index, train);
  const source = (ids: number[]): KeyedSource | undefined => (ids.length > 0 ? sourceOf(ids) : undefined);
  const [trainSource, validationSource, testSource] = [source(train), source(validation), source(test)];
  return {
    manifest,
    preprocessing,
    files,
    data: {
      kind: 'text',
      task: 'classification',
      classes: manifest.classes.map((c) => c.name),
      inputShape: shape,
      train: trainSource as KeyedSource,
      ...(validationSource ? { validation: validationSource } : {}),
      ...(testSource ? { test: testSource } : {}),
    },
  };
}

/** How a text job's examples are fed: the sources, their shape, the preprocessing and files the model keeps. */
interface TextInput {
  /** The source of the examples `ids` (indices into the index). */
  sourceOf: (ids: number[]) => KeyedSource;
  shape: number[];
  preprocessing: OpenedTrainingData['preprocessing'];
  files: Record<string, string>;
}

/**
 * Every text is encoded once per dataset and encoder, here; the epochs (and later jobs on the
 * same pair) then train on the stored embeddings.
 */
async function embeddingInput(
  store: Store,
  manifest: TextDatasetManifest,
  spec: Extract<TextInputOptions, { tokenizer: 'sentence-encoder' }>,
  index: TextIndex,
  needed: number[],
  opts: OpenTrainingDataOptions,
): Promise<TextInput> {
  const dim = spec.encoder.dimension;
  const cacheFile = path.join(
    store.root,
    '.cache',
    'embeddings',
    `${manifest.id}-${spec.encoder.baseModelId}.f32`,
  );
  let embeddings = await readEmbeddings(cacheFile, needed.length * dim);
  if (embeddings) {
    opts.onPrepare?.(needed.length, needed.length);
  } else {
    // Every core: the texts are split among an encoder per core (ml/encoder-threads.ts).
    const encoder = await loadParallelSentenceEncoder(spec.encoderDir);
    try {
      embeddings = await encoder.encode(
        needed.map((i) => index.texts[i] as string),
        (done) => opts.onPrepare?.(done, needed.length),
      );
    } finally {
      encoder.dispose();
    }
    await writeEmbeddings(cacheFile, embeddings);
  }
  const stored = embeddings;
  const at = new Map(needed.map((i, k) => [i, k]));
  const sourceOf = (ids: number[]): KeyedSource => {
    const out = new Float32Array(ids.length * dim);
    ids.forEach((i, r) => {
      const k = at.get(i) as number;
      out.set(stored.subarray(k * dim, (k + 1) * dim), r * dim);
    });
    return new KeyedSource(
      out,
      ids.map((i) => index.labels[i] as number),
      [dim],
      ids.map((i) => index.refs[i] as string),
    );
  };
  return {
    sourceOf,
    shape: [dim],
    preprocessing: { kind: 'text', text: { tokenizer: 'sentence-encoder', encoder: spec.encoder } },
    files: {},
  };
}

/** Word ids over the train split's vocabulary, padded to the 95th percentile of its lengths (at most the spec's). */
function wordIdInput(
  spec: Extract<TextInputOptions, { tokenizer: 'words' }>,
  index: TextIndex,
  train: number[],
): TextInput {
  const vocabulary = buildVocabulary(
    train.map((i) => index.texts[i] as string),
    spec.maxVocabulary,
  );
  const lengths = train.map((i) => words(index.texts[i] as string).length).sort((a, b) => a - b);
  const p95 = lengths[Math.min(lengths.length - 1, Math.floor(lengths.length * 0.95))] ?? 1;
  const maxLength = Math.max(1, Math.min(spec.maxLength, p95));
  return {
    sourceOf: (ids) =>
      WordIdSource.of(
        ids.map((i) => index.texts[i] as string),
        ids.map((i) => index.labels[i] as number),
        ids.map((i) => index.refs[i] as string),
        vocabulary,
        { maxVocabulary: spec.maxVocabulary, maxLength },
      ),
    shape: [maxLength],
    preprocessing: {
      kind: 'text',
      text: {
        tokenizer: 'words',
        vocabularyFile: WORD_VOCAB_FILE,
        vocabularySize: vocabulary.length + 2,
        maxLength,
        lowercase: true,
      },
    },
    files: { [WORD_VOCAB_FILE]: JSON.stringify(vocabulary) },
  };
}
