import { existsSync } from 'node:fs';
import type { SentenceEncoderRef } from '../contracts/preprocessing.js';
import { NotFoundError } from '../lib/errors.js';
import type { Store } from '../storage/store.js';
import { USE_LITE } from './catalog.js';
import { useLiteDir } from './use-lite.js';

/**
 * The local folder holding a text model's sentence encoder: the registered base model's files
 * (the store's local copy on s3://), or, once that base is deleted, the same files in the npm
 * package it was copied from (catalog encoders only), so a trained model keeps serving.
 */
export async function encoderDir(store: Store, ref: SentenceEncoderRef): Promise<string> {
  try {
    const stored = await store.collection('base-models').local(ref.baseModelId);
    if (existsSync(`${stored}/model.json`)) return stored;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (ref.catalog === USE_LITE.name) return useLiteDir();
  throw new NotFoundError(
    `the sentence encoder '${ref.baseModelId}' this model was trained on has been deleted; retrain it on a registered encoder`,
  );
}
