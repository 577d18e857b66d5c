import { z } from 'zod';
import { DATATYPES } from './tensors.js';

/**
 * The Open Inference Protocol's REST JSON objects (kserve/open-inference-protocol,
 * specification/protocol/inference_rest.md and open_inference_rest.yaml), as zod schemas the
 * routes validate and serialise with. Names follow the spec's (`$inference_request` ...).
 */

/** `$parameters`: name -> string | number | boolean. */
export const parametersSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** `$tensor_data`: nested or flat arrays, row-major; elements checked against the datatype later. */
const tensorData = z.array(z.unknown());

/** Dimensions representable as unsigned 64-bit integers (bounded here to safe integers). */
const shape = z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).max(16);

export const requestInputSchema = z.object({
  name: z.string().min(1).max(256),
  shape,
  datatype: z.enum(DATATYPES),
  parameters: parametersSchema.optional(),
  data: tensorData,
});

export const requestOutputSchema = z.object({
  name: z.string().min(1).max(256),
  parameters: parametersSchema.optional(),
});

export const inferenceRequestSchema = z.object({
  id: z.string().max(1024).optional(),
  parameters: parametersSchema.optional(),
  inputs: z.array(requestInputSchema).min(1).max(64),
  outputs: z.array(requestOutputSchema).max(64).optional(),
});
export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;

export const responseOutputSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: z.enum(DATATYPES),
  parameters: parametersSchema.optional(),
  data: z.array(z.union([z.number(), z.string(), z.boolean()])),
});
export type ResponseOutput = z.infer<typeof responseOutputSchema>;

export const inferenceResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: parametersSchema.optional(),
  outputs: z.array(responseOutputSchema),
});
export type InferenceResponse = z.infer<typeof inferenceResponseSchema>;

const metadataTensorSchema = z.object({
  name: z.string(),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.number().int()),
});

export const modelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(metadataTensorSchema),
  outputs: z.array(metadataTensorSchema),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

export const serverMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
});

export const liveSchema = z.object({ live: z.boolean() });
/** `ready`, as KServe and Triton answer; `live` too, as the spec's text (a slip, there) names it. */
export const serverReadySchema = z.object({ ready: z.boolean(), live: z.boolean() });
export const modelReadySchema = z.object({ name: z.string(), ready: z.boolean() });

/** `$inference_error_response` and every other error object of the protocol. */
export const errorSchema = z.object({ error: z.string() });
