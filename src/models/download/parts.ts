import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What one modality adds to a model download. */
export interface ModalityParts {
  /** Files beside model.json (a vocabulary, say). */
  files: Record<string, Buffer>;
  /** The npm command that installs what predict.mjs imports. */
  install: string;
  /** The preprocessing, step by step, for a client that runs the model its own way. */
  how: string;
  /** Extra fields for metadata.json. */
  metadata: Record<string, unknown>;
  /** predict.mjs's arguments in the README's example. */
  example: string;
}

/** The installed version of a package, for the download's install line. */
export function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
