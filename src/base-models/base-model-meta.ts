import type { ImagePreprocessing } from '../contracts/preprocessing.js';
import type { Dim, LayerInfo, TensorInfo } from '../ml/index.js';

/** `base-models/<id>/meta.json`: a registered pretrained LayersModel. */
export interface BaseModelMeta {
  id: string;
  name: string;
  createdAt: string;
  source:
    | { kind: 'upload'; files: string[] }
    | { kind: 'url'; url: string }
    | { kind: 'catalog'; catalog: string; url: string | null };
  /** `graph-model`: a frozen TF.js GraphModel (a sentence encoder); it is used whole, never cut or trained. */
  format: 'layers-model' | 'graph-model';
  generatedBy: string | null;
  convertedBy: string | null;
  /** Shapes without the batch dimension; null where any size is accepted. */
  inputShape: Dim[];
  outputShape: Dim[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  layerCount: number;
  params: { total: number; trainable: number; nonTrainable: number };
  /** model.json plus shards, as stored. */
  sizeBytes: number;
  /** Stored model files, relative to the entry folder (model.json first, then shards). */
  files: string[];
  /** Quantization dtypes of the stored weights, kept as published (e.g. ['uint8']); [] if none. */
  quantization: string[];
  /** How inputs should be prepared, when known (catalog entries, or given at registration). */
  preprocessing: { kind: 'image'; image: ImagePreprocessing } | null;
  /** A sensible `cutAt` (catalog entries), else null. */
  recommendedCutAt: string | null;
  /** Sentence encoders only: what it takes and gives. */
  encoder?: EncoderInfo;
}

export interface EncoderInfo {
  kind: 'sentence-encoder';
  /** Length of one embedding. */
  dimension: number;
  /** SentencePiece tokens read per text; the rest is cut. */
  maxTokens: number;
  vocabularySize: number;
  /** The npm package shipping the same files, when it came from one. */
  package: { name: string; version: string } | null;
}

/** `base-models/<id>/layers.json`, computed at registration (loading a MobileNet per request is slow). */
export interface LayersFile {
  layers: LayerInfo[];
}

export const META_FILE = 'meta.json';
export const LAYERS_FILE = 'layers.json';
