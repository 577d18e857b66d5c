import type { Preprocessing } from '../../contracts/preprocessing.js';

/**
 * predict.mjs, the script a model download carries: it reproduces the service's predictions
 * (preprocessing, calibrated scores, novelty and the "unknown" rule) with TF.js and, where the
 * modality needs them, sharp (images) or the encoder and tokenizer packages (text). Kept free of
 * this service's code. Each modality contributes how its inputs become one input tensor.
 */
export function predictScript(kind: Preprocessing['kind'], tokenizerPackage: string): string {
  return HEAD[kind] + COMMON + ROWS[kind].replace('__TOKENIZER__', tokenizerPackage) + TAIL;
}

const HEAD: Record<Preprocessing['kind'], string> = {
  text: '// Reproduces the service\'s predictions for this text model. Usage: node predict.mjs "text" ...\n',
  image:
    "// Reproduces the service's predictions for this image model. Usage: node predict.mjs image.jpg ...\n",
  tabular:
    "// Reproduces the service's predictions for this tabular model. Usage: node predict.mjs '{\"feature\": 1.5, ...}' ...\n" +
    '// (a JSON object keyed by feature name, or an array of the feature values in metadata.json order).\n',
};

const COMMON = `import { readFile } from 'node:fs/promises';
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
`;

const ROWS: Record<Preprocessing['kind'], string> = {
  text: `
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
  const { Tokenizer } = require('__TOKENIZER__');
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
`,
  image: `
// The service's image preprocessing: EXIF orientation, alpha flattened onto black, resized as
// metadata.json says (stretch, letterbox or crop), 0..255 mapped linearly onto its scale.
async function rows(files) {
  const { default: sharp } = await import('sharp');
  const spec = meta.preprocessing.image;
  const [height, width] = spec.size;
  const fit = { stretch: 'fill', letterbox: 'contain', crop: 'cover' }[spec.resize];
  const per = height * width * spec.channels;
  const [lo, hi] = spec.scale;
  const k = (hi - lo) / 255;
  const out = new Float32Array(files.length * per);
  for (const [r, file] of files.entries()) {
    let img = sharp(await readFile(file), { failOn: 'error', animated: false })
      .rotate()
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .resize(width, height, { fit, background: { r: 0, g: 0, b: 0 }, position: 'centre' });
    img = spec.channels === 1 ? img.greyscale().toColourspace('b-w') : img.toColourspace('srgb');
    const raw = await img.raw().toBuffer();
    if (raw.length !== per) fail(file + ': decoded to ' + raw.length + ' values, expected ' + per);
    for (let i = 0; i < per; i++) out[r * per + i] = raw[i] * k + lo;
  }
  return tf.tensor4d(out, [files.length, height, width, spec.channels]);
}
`,
  tabular: `
// The service's tabular preprocessing: features in metadata.json's order, standardised with the
// training split's mean and standard deviation (a constant feature is left unscaled).
async function rows(args) {
  const { features, mean, std } = meta.preprocessing.tabular;
  const out = new Float32Array(args.length * features.length);
  args.forEach((arg, r) => {
    let row;
    try {
      row = JSON.parse(arg);
    } catch {
      fail('not JSON: ' + arg);
    }
    const values = Array.isArray(row) ? row : features.map((f) => row[f]);
    if (values.length !== features.length) fail('expected ' + features.length + ' features: ' + features.join(', '));
    values.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('feature ' + features[j] + ' is not a finite number');
      out[r * features.length + j] = (v - mean[j]) / (std[j] === 0 ? 1 : std[j]);
    });
  });
  return tf.tensor2d(out, [args.length, features.length]);
}
`,
};

const TAIL = `
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

const inputs = process.argv.slice(2);
if (inputs.length === 0) fail('nothing to predict: give the inputs as arguments');
const model = await tf.loadLayersModel(tf.io.fromMemory(await artifacts(here)));
if (meta.task === 'regression') {
  const values = await model.predict(await rows(inputs)).array();
  for (const v of values) console.log(JSON.stringify({ value: v.length === 1 ? v[0] : v }));
} else {
  const last = model.layers[model.layers.length - 1];
  const scored = rule ? tf.model({ inputs: model.inputs, outputs: [model.outputs[0], last.input] }) : model;
  const out = scored.predict(await rows(inputs));
  const [probs, features] = Array.isArray(out) ? out : [out];
  const scores = (await probs.array()).map(calibrate);
  const novelty = features ? await noveltyOf(await features.reshape([inputs.length, -1]).array()) : undefined;
  scores.forEach((s, i) => {
    const best = s.indexOf(Math.max(...s));
    const n = novelty?.[i];
    const unknown = n !== undefined && rule.acceptRate < 1 && n > rule.threshold;
    console.log(JSON.stringify({ label: meta.labels[best], score: s[best], scores: s, ...(n === undefined ? {} : { novelty: n }), unknown }));
  });
}
`;
