import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../lib/ids.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';
import type { Store } from '../storage/store.js';
import { MANIFEST_FILE, type DatasetManifest } from './dataset-manifest.js';
import type { DatasetFields, ManifestCommon, UploadedFile } from './modality.js';
import { modalityForUpload } from './modalities.js';
import { probeUpload } from './upload-sniff.js';
import { canonicalName, nameCharacterProblem, visibleName } from '../contracts/user-names.js';
import { ValidationError } from '../lib/errors.js';

/**
 * From an uploaded file on disk to a stored dataset. Everything is built in a staging folder
 * and published with one rename (Store.create), so a refused or interrupted upload leaves
 * nothing in `datasets/`.
 */

export async function ingestUpload(
  store: Store,
  upload: UploadedFile,
  fields: DatasetFields,
  limits: ArchiveLimits,
): Promise<DatasetManifest> {
  checkFilename(upload.filename);
  const probe = await probeUpload(upload, limits);
  const modality = modalityForUpload(probe, fields);
  const id = newId('dataset');
  const common: ManifestCommon = {
    id,
    name: fields.name ?? defaultName(canonicalName(upload.filename)),
    createdAt: new Date().toISOString(),
    contentHash: `sha256:${upload.sha256}`,
    source: { filename: upload.filename, bytes: upload.bytes },
  };
  return store.collection('datasets').create(id, async (dir) => {
    const manifest = await modality.ingest(upload, dir, { common, fields, limits, probe });
    await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    return manifest;
  });
}

/** The file name is shown back (source.filename, the default name): the one name rule applies. */
function checkFilename(filename: string): void {
  const problem = nameCharacterProblem(filename);
  if (problem) {
    throw new ValidationError(`the file name '${visibleName(filename)}' ${problem}; rename the file`, {
      errors: [{ path: 'file', message: `file name ${problem}` }],
    });
  }
}

function defaultName(filename: string): string {
  const base = path.basename(filename).replace(/\.[^.]*$/, '');
  return base.length > 0 ? base.slice(0, 200) : 'dataset';
}
