import { createHash } from 'node:crypto';
import type { DatasetManifest, ImageExampleRecord } from './dataset-manifest.js';
import { IMAGE_EXTENSIONS } from './dataset-manifest.js';
import { inspectImage } from './image/image-ingest.js';

/**
 * Examples a dataset version adds to its parent: inputs a model was sent in production and a
 * person labelled in its review queue (src/capture). Each arrives as sent to /predict (image
 * bytes, or the JSON instance) and is checked here as an upload's example would be; one that
 * cannot be an example of the parent's kind is left out with the reason.
 */

export interface AddedExample {
  /** Its id in the version (the captured item's id). */
  id: string;
  label: string;
  data: Buffer;
  contentType: string;
  /** Provenance: the model that was sent it, and when it was sent and labelled. */
  modelId: string;
  capturedAt: string;
  reviewedAt: string;
}

/** An added example made ready for the parent's kind. */
export type PreparedAddition = { example: AddedExample } & (
  | { kind: 'image'; record: Omit<ImageExampleRecord, 'label'> }
  | { kind: 'text'; text: string }
  | { kind: 'tabular'; row: Float32Array }
);

export interface Additions {
  items: PreparedAddition[];
  skipped: Array<{ exampleId: string; reason: string }>;
}

export async function prepareAdditions(
  parent: DatasetManifest,
  added: readonly AddedExample[],
): Promise<Additions> {
  const out: Additions = { items: [], skipped: [] };
  const known = new Set(parent.classes.map((c) => c.name));
  for (const example of added) {
    const skip = (reason: string) => out.skipped.push({ exampleId: example.id, reason });
    if (parent.task === 'classification' && !known.has(example.label)) {
      skip(`'${example.label}' is not a class of dataset '${parent.id}'`);
      continue;
    }
    if (parent.task === 'regression' && !Number.isFinite(Number(example.label))) {
      skip(`'${example.label}' is not a number, and the dataset's target is`);
      continue;
    }
    const prepared = await prepareOne(parent, example);
    if (typeof prepared === 'string') skip(prepared);
    else out.items.push(prepared);
  }
  return out;
}

async function prepareOne(
  parent: DatasetManifest,
  example: AddedExample,
): Promise<PreparedAddition | string> {
  if (parent.kind === 'image') {
    if (!example.contentType.startsWith('image/')) {
      return 'sent as a pixel array, not an image file: nothing to store as an example';
    }
    const info = await inspectImage(example.data);
    if ('error' in info) return info.error;
    const file = `${example.id}.${IMAGE_EXTENSIONS[info.format]}`;
    return {
      example,
      kind: 'image',
      record: {
        id: example.id,
        path: `captured/${file}`,
        file,
        split: 'train',
        bytes: example.data.length,
        sha256: createHash('sha256').update(example.data).digest('hex'),
        ...info,
      },
    };
  }
  const instance = parseJson(example.data);
  if (parent.kind === 'text') {
    const text =
      typeof instance === 'string'
        ? instance
        : isRecord(instance) && typeof instance.text === 'string'
          ? instance.text
          : undefined;
    return text === undefined
      ? 'not a text instance ("..." or { "text": "..." })'
      : { example, kind: 'text', text };
  }
  const features = parent.features;
  const values = Array.isArray(instance)
    ? instance
    : isRecord(instance)
      ? features.map((f) => instance[f])
      : undefined;
  if (
    !values ||
    values.length !== features.length ||
    !values.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    return `not a row of ${features.length} finite numbers (${features.join(', ')})`;
  }
  return { example, kind: 'tabular', row: Float32Array.from(values as number[]) };
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
