import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { saveTrainedModel } from '../../src/models/registry.js';
import { api, type Reply } from '../helpers/api.js';
import type { TestContext } from '../helpers/app.js';
import {
  imageClassifier,
  imageMeta,
  noisePng,
  saveModel,
  solidPng,
  tabularClassifier,
  tabularMeta,
  tabularRegressor,
} from '../helpers/serving-fixtures.js';

/** The models and requests the Open Inference Protocol tests share (tiny, made here). */

export const KEY = 'oip-test-key';
export const auth = { authorization: `Bearer ${KEY}` };

export type Output = { name: string; shape: number[]; datatype: string; data: unknown[] };
type Scored = { label: string; score: number };
export type V1Prediction = Scored & { topK: Scored[]; novelty?: number; unknown: boolean; value?: number };

/** A text model over a word vocabulary, as a from-scratch text job saves it (vocab.json beside it). */
export async function saveTextModel(ctx: TestContext): Promise<ModelMeta> {
  const vocabulary = ['ball', 'goal', 'team', 'oven', 'flour', 'bake'];
  const maxLength = 6;
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: vocabulary.length + 2, outputDim: 4, inputLength: maxLength }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  const meta = await saveTrainedModel(ctx.runtime.store, {
    model,
    name: 'topics',
    meta: {
      task: 'classification',
      labels: ['sports', 'cooking'],
      inputShape: [maxLength],
      preprocessing: {
        kind: 'text',
        text: {
          tokenizer: 'words',
          vocabularyFile: 'vocab.json',
          vocabularySize: vocabulary.length,
          maxLength,
          lowercase: true,
        },
      },
      history: [],
      lineage: {},
    },
    files: { 'vocab.json': JSON.stringify(vocabulary) },
  });
  model.dispose();
  return meta;
}

export function probabilities(labels: string[], preds: V1Prediction[]): number[] {
  return preds.flatMap((p) => labels.map((l) => p.topK.find((s) => s.label === l)!.score));
}

export interface OipModels {
  /** The trained colour classifier (version 2 of 'colours'); the caller disposes it. */
  trained: tf.LayersModel;
  colours1: ModelMeta;
  colours2: ModelMeta;
  tabular: ModelMeta;
  prices: ModelMeta;
  text: ModelMeta;
  /** Red, green and blue squares, then noise. */
  png: Buffer[];
}

/**
 * 'colours' v1 (untrained) and v2 (trained), an unnamed tabular classifier, the regressor
 * 'prices' and the text model 'topics'.
 */
export async function saveOipModels(ctx: TestContext): Promise<OipModels> {
  await tf.setBackend('cpu');
  const store = ctx.runtime.store;
  const untrained = await imageClassifier(false);
  const colours1 = await saveModel(store, untrained, imageMeta(), 'colours');
  untrained.dispose();
  const trained = await imageClassifier();
  const colours2 = await saveModel(store, trained, imageMeta(), 'colours');
  const t = tabularClassifier();
  const tabular = await saveModel(store, t, tabularMeta('classification'));
  t.dispose();
  const r = tabularRegressor();
  const prices = await saveModel(store, r, tabularMeta('regression'), 'prices');
  r.dispose();
  const text = await saveTextModel(ctx);
  const png = [await solidPng([255, 0, 0]), await solidPng([0, 255, 0]), await solidPng([0, 0, 255])];
  png.push(await noisePng(3));
  return { trained, colours1, colours2, tabular, prices, text, png };
}

/** Requests through the app (in-process), with the API key unless told otherwise. */
export function oipClient(app: () => TestContext['app']) {
  return {
    get: (url: string, headers: Record<string, string> = auth) => api(app()).get(url, { headers }),
    infer: (path: string, payload: unknown, headers: Record<string, string> = auth) =>
      api(app()).post(`/v2/models/${path}/infer`, payload, { headers }),
    /** v1's predictions of the same instances, every class ranked. */
    v1: async (id: string, instances: unknown[], query = ''): Promise<V1Prediction[]> => {
      const res = await api(app()).post(
        `/v1/models/${id}/predict${query}`,
        { instances, topK: 1000 },
        { headers: auth },
      );
      expect(res.status, res.text).toBe(200);
      return res.body.predictions as V1Prediction[];
    },
    b64: (bufs: Buffer[]) => bufs.map((b) => b.toString('base64')),
    /** The response's outputs by name. */
    outputs: (res: Reply) =>
      Object.fromEntries((res.body as { outputs: Output[] }).outputs.map((o) => [o.name, o])),
  };
}
