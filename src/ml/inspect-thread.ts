import { runInModuleThread, siblingModule } from '../lib/source-module.js';
import type { LayersSummary } from './layers.js';
import type { EncoderSummary } from './sentence-encoder.js';

/**
 * Checking an uploaded base model means building it and loading every weight, synchronous work
 * proportional to its size (up to MAX_BASE_MODEL_BYTES), so registration does it in a worker
 * thread of its own (with its own TF.js) and only the summary comes back.
 */

export type InspectJob = { kind: 'layers'; dir: string } | { kind: 'encoder'; dir: string };

const entry = siblingModule(import.meta.url, 'inspect-thread-main');

/** inspectModelDir, in a worker thread. */
export function inspectModelDirInThread(dir: string): Promise<LayersSummary> {
  return runInModuleThread<InspectJob, LayersSummary>(entry, { kind: 'layers', dir });
}

/** inspectSentenceEncoder, in a worker thread. */
export function inspectSentenceEncoderInThread(dir: string): Promise<EncoderSummary> {
  return runInModuleThread<InspectJob, EncoderSummary>(entry, { kind: 'encoder', dir });
}
