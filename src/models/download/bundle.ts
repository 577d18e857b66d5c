import type { ModelMeta } from '../../contracts/model-meta.js';
import { imageParts } from './image.js';
import type { ModalityParts } from './parts.js';
import { predictScript } from './predict-script.js';
import { tabularParts } from './tabular.js';
import { textParts, TOKENIZER_PACKAGE } from './text.js';

/** What a model download adds beside model.json, for any modality. */
export interface BundleFiles {
  files: Record<string, Buffer>;
  /** Extra fields for metadata.json. */
  metadata: Record<string, unknown>;
}

/**
 * The README (the preprocessing, step by step, and how to run the model) and predict.mjs, a
 * dependency-light script that reproduces the service's predictions outside it, plus whatever
 * files the modality's preprocessing reads.
 */
export async function bundleFiles(meta: ModelMeta, dir: string): Promise<BundleFiles> {
  const pre = meta.preprocessing;
  const parts: ModalityParts =
    pre.kind === 'text'
      ? await textParts(pre.text, dir)
      : pre.kind === 'image'
        ? imageParts(pre.image)
        : tabularParts(pre.tabular);
  return {
    files: {
      ...parts.files,
      'README.md': Buffer.from(readme(meta, parts)),
      'predict.mjs': Buffer.from(predictScript(pre.kind, TOKENIZER_PACKAGE)),
    },
    metadata: parts.metadata,
  };
}

function readme(meta: ModelMeta, parts: ModalityParts): string {
  const kind = meta.preprocessing.kind;
  const classifier = meta.task === 'classification';
  const what = classifier ? `${kind} classifier` : `${kind} regression model`;
  const outputs = classifier
    ? `Labels (output order): ${meta.labels.join(', ')}`
    : `Outputs: ${meta.labels.length > 0 ? meta.labels.join(', ') : 'one value'}`;
  const prints = classifier
    ? `It prints one JSON line per input: \`{ "label", "score", "scores", "novelty", "unknown" }\`, with the
service's calibrated scores and "unknown" rule (\`scoring\` in metadata.json, \`novelty.bin\`).`
    : 'It prints one JSON line per input: `{ "value" }`, as the service answers.';
  return `# ${meta.name ?? meta.id}: ${what}

${outputs}

Files: \`model.json\` + weights (a TF.js LayersModel), \`metadata.json\` (labels, input shape and the
preprocessing below), and \`predict.mjs\`, which reproduces the service's predictions.

## Preprocessing

${parts.how}

## Run it

\`\`\`sh
${parts.install}
node predict.mjs ${parts.example}
\`\`\`

${prints}
`;
}
