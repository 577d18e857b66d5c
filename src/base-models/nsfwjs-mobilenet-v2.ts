import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * A real pretrained network that works without internet: the `nsfwjs` package ships a Keras
 * MobileNetV2 (224x224x3 input, uint8-quantized weights, 162 layers) as a TF.js LayersModel,
 * wrapped in two UMD/CommonJS files so bundlers can inline it. This module unwraps it into an
 * ordinary model folder (`model.json` + `group1-shard1of1`) that `tf.loadLayersModel` or
 * `loadModelFromDir` reads. Tests, benchmarks, the demo and the offline catalog entry use it.
 *
 * The package's "exports" map hides `dist/models/`, so the folder is found from an exported
 * entry point and the files are required by absolute path (exports maps only govern bare
 * specifiers). `dist/models/package.json` declares CommonJS, which makes `require` work.
 */

export const NSFWJS_MOBILENET_V2 = {
  /** The shard file name the manifest refers to. */
  shard: 'group1-shard1of1',
  inputSize: [224, 224] as [number, number],
  channels: 3 as const,
  /** nsfwjs divides pixels by 255 before inference. */
  scale: [0, 1] as [number, number],
  layers: 162,
  /** Output of the convolutional trunk (1280 features), above nsfwjs' own 5-class head. */
  recommendedCutAt: 'flatten_1',
} as const;

interface WrappedModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

const requireCjs = createRequire(import.meta.url);

function modelFolder(): string {
  const entry = requireCjs.resolve('nsfwjs/models/mobilenet_v2');
  // entry: <pkg>/dist/cjs/models/mobilenet_v2.js; the wrapped files live in <pkg>/dist/models/.
  return path.resolve(path.dirname(entry), '../../models/mobilenet_v2');
}

/** True when the nsfwjs package (a devDependency) is installed and its model files resolve. */
export function nsfwjsMobileNetV2Available(): boolean {
  try {
    requireCjs.resolve(path.join(modelFolder(), 'model.min.js'));
    return true;
  } catch {
    return false;
  }
}

/** The unwrapped model.json object and weight shard bytes. */
export function readNsfwjsMobileNetV2(): { modelJson: WrappedModelJson; shard: Buffer } {
  const dir = modelFolder();
  const modelJson = requireCjs(path.join(dir, 'model.min.js')) as WrappedModelJson;
  const b64 = requireCjs(path.join(dir, 'group1-shard1of1.min.js')) as unknown;
  if (typeof b64 !== 'string' || !modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error('the nsfwjs package does not contain the expected MobileNetV2 files');
  }
  return { modelJson, shard: Buffer.from(b64, 'base64') };
}

/**
 * Writes `model.json` + `group1-shard1of1` into `dir` (created if missing). The weights stay
 * uint8-quantized exactly as shipped; TF.js dequantizes them when loading.
 */
export async function writeNsfwjsMobileNetV2(dir: string): Promise<void> {
  const { modelJson, shard } = readNsfwjsMobileNetV2();
  await mkdir(dir, { recursive: true });
  const json = {
    format: 'layers-model',
    generatedBy: 'keras (nsfwjs MobileNetV2, unwrapped)',
    convertedBy: null,
    modelTopology: modelJson.modelTopology,
    weightsManifest: modelJson.weightsManifest,
  };
  await writeFile(path.join(dir, NSFWJS_MOBILENET_V2.shard), shard);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
}
