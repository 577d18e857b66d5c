import type { TabularPreprocessing } from '../../contracts/preprocessing.js';
import { packageVersion, type ModalityParts } from './parts.js';

/** A tabular model's download: the feature order and the training split's standardisation. */
export function tabularParts(tabular: TabularPreprocessing): ModalityParts {
  const example = Object.fromEntries(tabular.features.map((f, j) => [f, round(tabular.mean[j] ?? 0)]));
  return {
    files: {},
    install: `npm install @tensorflow/tfjs@${packageVersion('@tensorflow/tfjs')}`,
    how: [
      `1. Order the features as \`preprocessing.tabular.features\` in metadata.json (${tabular.features.length}: ${tabular.features.join(', ')}).`,
      "2. Standardise each: (x - mean[j]) / std[j], with the training split's `mean` and `std` (std 0: leave x - mean).",
      '3. Run model.json (tf.loadLayersModel) on the float32 rows: outputs in the order of `labels`.',
    ].join('\n'),
    metadata: {},
    example: `'${JSON.stringify(example)}'`,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
