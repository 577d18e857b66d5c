import { z } from 'zod';

/**
 * How raw inputs become tensors. Stored in every model's meta so /predict applies exactly the
 * preprocessing the model was trained with.
 */

export const imagePreprocessingSchema = z.object({
  /** [height, width] the image is resized to. */
  size: z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)]),
  /** 3 = RGB (alpha flattened onto black), 1 = greyscale. */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Pixel values 0..255 map linearly onto [min, max], e.g. [0, 1] or [-1, 1] (MobileNet). */
  scale: z.tuple([z.number(), z.number()]).default([0, 1]),
  /** stretch: ignore aspect ratio; letterbox: fit and pad; crop: fill and center-crop. */
  resize: z.enum(['stretch', 'letterbox', 'crop']).default('stretch'),
});
export type ImagePreprocessing = z.infer<typeof imagePreprocessingSchema>;

export interface TabularPreprocessing {
  /** Feature column names in model input order. */
  features: string[];
  /** Standardisation learned from the training split: x' = (x - mean) / std. */
  mean: number[];
  std: number[];
}

export type Preprocessing =
  { kind: 'image'; image: ImagePreprocessing } | { kind: 'tabular'; tabular: TabularPreprocessing };
