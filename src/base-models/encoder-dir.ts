import { existsSync } from 'node:fs';
import type { SentenceEncoderRef } from '../contracts/preprocessing.js';
import type { Store } from '../storage/store.js';
import { USE_LITE } from './catalog.js';
import { useLiteDir } from './use-lite.js';

/**
 * The folder holding a text model's sentence encoder: the registered base model's files, or,
 * once that base is deleted, the same files in the npm package it was copied from (catalog
 * encoders only), so a trained model keeps serving.
 */
export function encoderDir(store: Store, ref: SentenceEncoderRef): string {
  const stored = store.collection('base-models').pathOf(ref.baseModelId);
  if (existsSync(`${stored}/model.json`)) return stored;
  if (ref.catalog === USE_LITE.name) return useLiteDir();
  return stored;
}
