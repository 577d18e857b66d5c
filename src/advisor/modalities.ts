import type { DataKind } from '../contracts/task.js';
import type { DatasetManifest } from '../datasets/dataset-manifest.js';
import { MIN_PER_CLASS } from './sampling.js';

/**
 * Which bases can serve a dataset, per modality. The advisor reads the dataset's examples the
 * way a training job would (the dataset's training source, the job's preprocessing): images
 * stream through each base's layers up to its cuts; texts go through a sentence encoder whole
 * (its embedding is the one cut). Each entry says which bases fit it.
 */
export interface AdvisorModality {
  /** Whether a base (input shape without the batch dimension; `encoder` for a sentence encoder) can read this modality's examples. */
  fits(base: { inputShape: readonly (number | null)[]; encoder?: unknown }): boolean;
  /** What kind of base fits, for messages. */
  bases: string;
}

/** The one cut of a sentence encoder: its embedding (a GraphModel has no layers to cut at). */
export const ENCODER_CUT = 'embedding';

export const ADVISOR_MODALITIES: Partial<Record<DataKind, AdvisorModality>> = {
  image: {
    fits: ({ inputShape: s, encoder }) =>
      !encoder && s.length === 3 && (s[2] === null || s[2] === 1 || s[2] === 3),
    bases: 'image bases (input height x width x 1 or 3 channels)',
  },
  text: {
    fits: ({ encoder }) => encoder !== undefined,
    bases: 'sentence encoder bases (POST /v1/base-models {"catalog": "universal-sentence-encoder-lite"})',
  },
};

/** Why the advisor cannot work on this dataset, or undefined when it can. */
export function unsupportedReason(manifest: DatasetManifest): string | undefined {
  if (!ADVISOR_MODALITIES[manifest.kind]) {
    const kinds = Object.keys(ADVISOR_MODALITIES).join(', ');
    return `dataset '${manifest.id}' is ${manifest.kind}: no pretrained base fits it; the advisor ranks bases for ${kinds} datasets`;
  }
  if (manifest.task !== 'classification') {
    return `dataset '${manifest.id}' is a regression dataset; the advisor probes classification datasets`;
  }
  return tooSmallReason(manifest.classes.map((c) => ({ name: c.name, count: c.count })));
}

/** A clear message when the classes are too small for k-fold cross-validation. */
export function tooSmallReason(classes: ReadonlyArray<{ name: string; count: number }>): string | undefined {
  if (classes.length < 2) return `the dataset has ${classes.length} class; the advisor needs at least 2`;
  const small = classes.filter((c) => c.count < MIN_PER_CLASS);
  if (small.length === 0) return undefined;
  const list = small.map((c) => `'${c.name}' has ${c.count}`).join(', ');
  return (
    `the dataset is too small for k-fold cross-validation: ${list} example(s); the advisor needs at least ` +
    `${MIN_PER_CLASS} examples per class (5 or more per class for estimates worth trusting)`
  );
}
