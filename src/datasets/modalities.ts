import type { DataKind } from '../contracts/task.js';
import { imageModality } from './image/image-modality.js';
import type { DatasetFields, Modality, UploadProbe } from './modality.js';
import { tabularModality } from './tabular/tabular-modality.js';
import { textModality } from './text/text-modality.js';

/**
 * Every modality the service knows: a new one is a folder under src/datasets/ and a line here.
 * Order matters where two take the same upload kind: text is asked first (a CSV with a text
 * column, a zip of .txt files), then images and numeric tables.
 */
export const MODALITIES: readonly Modality[] = [textModality, imageModality, tabularModality];

export function modalityOf(kind: DataKind): Modality {
  const found = MODALITIES.find((m) => m.kind === kind);
  if (!found) throw new Error(`no modality '${kind}' is registered`);
  return found;
}

export function modalityForUpload(probe: UploadProbe, fields: DatasetFields = {}): Modality {
  const found = MODALITIES.find((m) => m.uploads.includes(probe.kind) && m.accepts(probe, fields));
  if (!found) throw new Error(`no modality ingests '${probe.kind}' uploads`);
  return found;
}
