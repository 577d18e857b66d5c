import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../contracts/task.js';

/**
 * LayersModels on the local filesystem in the standard TF.js layout (model.json + binary weight
 * shards), readable by `tf.loadLayersModel` anywhere. The `@tensorflow/tfjs` package has no
 * `file://` handler (only tfjs-node does), and the service must run without tfjs-node, so these
 * handlers are the project's own, built on `tf.io.fromMemory` / `tf.io.withSaveHandler`.
 */

/** The model type callers outside src/ml/ hold and pass back without touching TF.js. */
export type LayersModel = tf.LayersModel;

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface ModelJson {
  modelTopology: Record<string, unknown>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Writes `model.json` and one `weights.bin` shard into `dir`; returns the bytes written. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<{ bytes: number }> {
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : Buffer.alloc(0);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as Record<string, unknown>,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig)
        json.trainingConfig = artifacts.trainingConfig as unknown as Record<string, unknown>;
      await writeFile(path.join(dir, WEIGHTS_BIN), weightData);
      const text = JSON.stringify(json);
      await writeFile(path.join(dir, MODEL_JSON), text);
      bytes = weightData.byteLength + Buffer.byteLength(text);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return { bytes };
}

export async function readModelJson(dir: string): Promise<ModelJson> {
  return JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as ModelJson;
}

/**
 * Memory artifacts from a folder: every shard named in the manifest, concatenated in manifest
 * order (that is how TF.js splits them). Shard paths are confined to the folder.
 */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const json = await readModelJson(dir);
  const root = path.resolve(dir);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const full = path.resolve(root, p);
      if (!full.startsWith(root + path.sep))
        throw new Error(`weight shard path '${p}' leaves the model folder`);
      const buf = await readFile(full);
      buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    }
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: tf.io.CompositeArrayBuffer.join(buffers),
  };
  if (json.format) artifacts.format = json.format;
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig as unknown as tf.io.TrainingConfig;
  return artifacts;
}

/** Loads a LayersModel saved in `dir` (by this module, the TF.js converter or Keras' tfjs export). */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(await readArtifacts(dir)));
}

/**
 * A deep copy through the TF.js serialisation, in memory: what saving and loading the model
 * would give, without a folder.
 */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

export function countParams(model: tf.LayersModel): { total: number; trainable: number } {
  const trainable = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
  return { total: model.countParams(), trainable };
}

/** Catches trainer bugs before they become a model that cannot be served. */
export function checkServable(
  model: tf.LayersModel,
  meta: { inputShape: readonly number[]; task: Task; labels: readonly string[] },
): void {
  const input = model.inputs[0]?.shape.slice(1);
  if (model.inputs.length !== 1 || !input) throw new Error('only single-input models can be served');
  if (
    input.length !== meta.inputShape.length ||
    input.some((d, i) => d !== null && d !== meta.inputShape[i])
  ) {
    throw new Error(
      `meta.inputShape [${meta.inputShape.join(', ')}] does not match the model input [${input.join(', ')}]`,
    );
  }
  const out = model.outputs[0]?.shape;
  const units = out?.[out.length - 1];
  if (meta.task === 'classification' && typeof units === 'number' && units !== meta.labels.length) {
    throw new Error(`the model has ${units} outputs but meta lists ${meta.labels.length} labels`);
  }
}
