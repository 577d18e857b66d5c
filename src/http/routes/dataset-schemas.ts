import { z } from 'zod';
import { ID_PATTERN } from '../../contracts/id-pattern.js';

/** Response and parameter schemas of /v1/datasets (mirrored in openapi.yaml). */

const split = z.enum(['train', 'validation', 'test']);
const splitCounts = z.object({
  train: z.number().int(),
  validation: z.number().int(),
  test: z.number().int(),
});
const sizeStats = z.object({ min: z.number(), median: z.number(), max: z.number() });

const common = {
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  contentHash: z.string(),
  source: z.object({ filename: z.string(), bytes: z.number().int() }),
  classes: z.array(z.object({ name: z.string(), count: z.number().int(), splits: splitCounts })),
  examples: z.number().int(),
  split: z.object({ provided: z.boolean(), counts: splitCounts }),
  warnings: z.array(
    z.object({ code: z.string(), message: z.string(), items: z.array(z.string()).optional() }),
  ),
  skipped: z.object({
    count: z.number().int(),
    files: z.array(z.object({ path: z.string(), reason: z.string() })),
  }),
  /** Versions only: the dataset it was made from and the changes. */
  parent: z
    .object({
      datasetId: z.string(),
      excluded: z.array(z.string()),
      relabelled: z.array(z.object({ exampleId: z.string(), from: z.string(), to: z.string() })),
      auditId: z.string().optional(),
      added: z
        .array(
          z.object({
            exampleId: z.string(),
            label: z.string(),
            modelId: z.string(),
            capturedAt: z.string(),
            reviewedAt: z.string(),
          }),
        )
        .optional()
        .describe(
          "examples added from a model's review queue (POST /v1/models/{id}/retrain), with provenance",
        ),
    })
    .optional(),
};

export const datasetSchema = z.discriminatedUnion('kind', [
  z.object({
    ...common,
    kind: z.literal('image'),
    task: z.literal('classification'),
    layout: z.enum(['folders', 'labels-csv']),
    exampleShape: z.object({ width: sizeStats, height: sizeStats, channels: sizeStats }),
    formats: z.record(z.string(), z.number().int()),
  }),
  z.object({
    ...common,
    kind: z.literal('tabular'),
    task: z.enum(['classification', 'regression']),
    labelColumn: z.string(),
    features: z.array(z.string()),
    exampleShape: z.object({ features: z.number().int() }),
    target: z.object({ min: z.number(), max: z.number(), mean: z.number() }).optional(),
  }),
  z.object({
    ...common,
    kind: z.literal('text'),
    task: z.literal('classification'),
    format: z.enum(['csv', 'jsonl', 'folders']),
    textColumn: z.string().nullable(),
    labelColumn: z.string().nullable(),
    exampleShape: z.object({ characters: sizeStats, words: sizeStats, tokens: sizeStats }),
  }),
]);

export const textExampleSchema = z.object({
  ref: z.string(),
  label: z.string(),
  split,
  text: z.string(),
});

export const imageExampleSchema = z.object({
  id: z.string(),
  file: z.string(),
  label: z.string(),
  split,
  bytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  format: z.enum(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff']),
});

export const tabularRowSchema = z.object({
  row: z.number().int(),
  label: z.union([z.string(), z.number()]),
  split,
  features: z.array(z.number()),
});

const id = z.string().regex(ID_PATTERN, 'must be an id like ds_0123456789abcdef');

export const datasetParams = z.object({ id });
export const exampleParams = z.object({ id, exampleId: id });

const limit = z.coerce.number().int().min(1).max(1000);
const offset = z.coerce.number().int().min(0);

export const listQuery = z.object({ limit: limit.max(100).default(20), offset: offset.default(0) });
export const examplesQuery = z.object({
  label: z.string().min(1).optional(),
  split: split.optional(),
  limit: limit.default(50),
  offset: offset.default(0),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}
