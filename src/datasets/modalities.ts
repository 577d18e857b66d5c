import type { DataKind } from '../contracts/task.js';
import { imageModality } from './image/image-modality.js';
import type { Modality } from './modality.js';
import { tabularModality } from './tabular/tabular-modality.js';
import type { UploadKind } from './upload-sniff.js';

/** Every modality the service knows: a new one is a folder under src/datasets/ and a line here. */
export const MODALITIES: readonly Modality[] = [imageModality, tabularModality];

export function modalityOf(kind: DataKind): Modality {
  const found = MODALITIES.find((m) => m.kind === kind);
  if (!found) throw new Error(`no modality '${kind}' is registered`);
  return found;
}

export function modalityForUpload(kind: UploadKind): Modality {
  const found = MODALITIES.find((m) => m.upload === kind);
  if (!found) throw new Error(`no modality ingests '${kind}' uploads`);
  return found;
}
