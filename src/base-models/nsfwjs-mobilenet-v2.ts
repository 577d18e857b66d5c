import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Real pretrained networks that work without internet: the `nsfwjs` package (a runtime
 * dependency, pinned exactly) ships Keras models as TF.js LayersModels, wrapped in UMD/CommonJS
 * files (model.json as an object, each weight shard as a base64 string) so bundlers can inline
 * them. This module unwraps them into ordinary model folders (`model.json` + shards) that
 * `tf.loadLayersModel` or `loadModelFromDir` reads. The offline catalog entries, tests,
 * benchmarks and the demo use them.
 *
 * What they are, read from their model.json: Keras 2.2.4 applications with ImageNet weights,
 * retrained by the nsfwjs authors as 5-class image classifiers (Drawing, Hentai, Neutral, Porn,
 * Sexy) on the nsfw_data_scraper image set, with a new head (average pooling, flatten_1,
 * dense 256, dropout 0.5, dense 128, dropout 0.25, dense 5). The lower layers were kept frozen
 * at their ImageNet values (`trainable: false` in the config): MobileNetV2 up to block_10
 * (block_11 onward was retrained), InceptionV3 up to activation_55 (mixed0-mixed5; mixed6 onward
 * was retrained). Weights are uint8-quantized as shipped. MIT licence (Infinite Red).
 *
 * The package's "exports" map hides `dist/models/`, so the folder is found from an exported
 * entry point and the files are required by absolute path (exports maps only govern bare
 * specifiers). `dist/models/package.json` declares CommonJS, which makes `require` work.
 */

export type NsfwjsModelName = 'nsfwjs-mobilenet-v2' | 'nsfwjs-inception-v3';

export interface NsfwjsModel {
  /** Folder under the package's dist/models/, and the exported entry point that locates it. */
  folder: string;
  shards: string[];
  inputSize: [number, number];
  channels: 3;
  /** nsfwjs divides pixels by 255 before inference. */
  scale: [number, number];
  layers: number;
  /** Output of the convolutional trunk, above nsfwjs' own 5-class head. */
  recommendedCutAt: string;
  /** First layer of the top block: fine-tuning from here unfreezes only that block. */
  recommendedFineTuneFrom: string;
  /** The top layer that was still frozen at its ImageNet weights when nsfwjs trained it. */
  imagenetFrozenThrough: string;
}

export const NSFWJS_MODELS: Record<NsfwjsModelName, NsfwjsModel> = {
  'nsfwjs-mobilenet-v2': {
    folder: 'mobilenet_v2',
    shards: ['group1-shard1of1'],
    inputSize: [224, 224],
    channels: 3,
    scale: [0, 1],
    layers: 162,
    recommendedCutAt: 'flatten_1',
    recommendedFineTuneFrom: 'block_16_expand',
    imagenetFrozenThrough: 'block_10_project_BN',
  },
  'nsfwjs-inception-v3': {
    folder: 'inception_v3',
    shards: [1, 2, 3, 4, 5, 6].map((i) => `group1-shard${i}of6`),
    inputSize: [299, 299],
    channels: 3,
    scale: [0, 1],
    layers: 318,
    recommendedCutAt: 'flatten_1',
    // The first layer after mixed8: mixed9 and mixed10, the top two inception blocks.
    recommendedFineTuneFrom: 'conv2d_81',
    imagenetFrozenThrough: 'activation_55',
  },
};

/** The MobileNetV2 entry, as earlier code and tests know it. */
export const NSFWJS_MOBILENET_V2 = {
  ...NSFWJS_MODELS['nsfwjs-mobilenet-v2'],
  /** The shard file name the manifest refers to. */
  shard: 'group1-shard1of1',
} as const;

interface WrappedModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

const requireCjs = createRequire(import.meta.url);

function modelFolder(folder: string): string {
  const entry = requireCjs.resolve(`nsfwjs/models/${folder}`);
  // entry: <pkg>/dist/cjs/models/<folder>.js; the wrapped files live in <pkg>/dist/models/<folder>/.
  return path.resolve(path.dirname(entry), '../../models', folder);
}

/** True when the nsfwjs package is installed and this model's files resolve. */
export function nsfwjsModelAvailable(name: NsfwjsModelName): boolean {
  try {
    requireCjs.resolve(path.join(modelFolder(NSFWJS_MODELS[name].folder), 'model.min.js'));
    return true;
  } catch {
    return false;
  }
}

export function nsfwjsMobileNetV2Available(): boolean {
  return nsfwjsModelAvailable('nsfwjs-mobilenet-v2');
}

/** The unwrapped model.json object and the weight shards' bytes by file name. */
export function readNsfwjsModel(name: NsfwjsModelName): {
  modelJson: WrappedModelJson;
  shards: Map<string, Buffer>;
} {
  const m = NSFWJS_MODELS[name];
  const dir = modelFolder(m.folder);
  const modelJson = requireCjs(path.join(dir, 'model.min.js')) as WrappedModelJson;
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(`the nsfwjs package does not contain the expected ${name} files`);
  }
  const shards = new Map<string, Buffer>();
  for (const shard of m.shards) {
    const b64 = requireCjs(path.join(dir, `${shard}.min.js`)) as unknown;
    if (typeof b64 !== 'string') throw new Error(`the nsfwjs package's ${name} shard ${shard} is not base64`);
    shards.set(shard, Buffer.from(b64, 'base64'));
  }
  return { modelJson, shards };
}

export function readNsfwjsMobileNetV2(): { modelJson: WrappedModelJson; shard: Buffer } {
  const { modelJson, shards } = readNsfwjsModel('nsfwjs-mobilenet-v2');
  return { modelJson, shard: shards.get(NSFWJS_MOBILENET_V2.shard) as Buffer };
}

/**
 * Writes `model.json` + the shards into `dir` (created if missing). The weights stay
 * uint8-quantized exactly as shipped; TF.js dequantizes them when loading.
 */
export async function writeNsfwjsModel(name: NsfwjsModelName, dir: string): Promise<string[]> {
  const { modelJson, shards } = readNsfwjsModel(name);
  await mkdir(dir, { recursive: true });
  const json = {
    format: 'layers-model',
    generatedBy: `keras (nsfwjs ${name.replace('nsfwjs-', '')}, unwrapped)`,
    convertedBy: null,
    modelTopology: modelJson.modelTopology,
    weightsManifest: modelJson.weightsManifest,
  };
  for (const [file, bytes] of shards) await writeFile(path.join(dir, file), bytes);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  return [...shards.keys()];
}

export async function writeNsfwjsMobileNetV2(dir: string): Promise<void> {
  await writeNsfwjsModel('nsfwjs-mobilenet-v2', dir);
}
