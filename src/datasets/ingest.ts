import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Task } from '../contracts/task.js';
import type { Store } from '../storage/store.js';
import { ingestImageZip } from './image/image-ingest.js';
import { INDEX_FILE, MANIFEST_FILE, type DatasetManifest, type ImageIndex } from './dataset-manifest.js';
import { ingestCsv } from './tabular/tabular-ingest.js';
import { sniffUpload } from './upload-sniff.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';

/**
 * From an uploaded file on disk to a stored dataset. Everything is built in a staging folder
 * and published with one rename (Store.create), so a refused or interrupted upload leaves
 * nothing in `datasets/`.
 */

export interface UploadedFile {
  /** The upload, already on disk (streamed there, never held in memory). */
  path: string;
  /** The client's file name. */
  filename: string;
  bytes: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

export interface DatasetFields {
  name?: string;
  /** CSV only; default `label`. */
  labelColumn?: string;
  /** CSV only; inferred from the label values when not given. Image datasets are classification. */
  task?: Task;
}

export async function ingestUpload(
  store: Store,
  upload: UploadedFile,
  fields: DatasetFields,
  limits: ArchiveLimits,
): Promise<DatasetManifest> {
  const kind = await sniffUpload(upload.path, upload.filename);
  if (kind === 'zip' && fields.task === 'regression') {
    throw new ValidationError('image datasets are classification datasets; task regression needs a CSV', {
      errors: [{ path: 'body.task', message: 'regression applies to CSV uploads only' }],
    });
  }
  const id = newId('dataset');
  const common = {
    id,
    name: fields.name ?? defaultName(upload.filename),
    createdAt: new Date().toISOString(),
    contentHash: `sha256:${upload.sha256}`,
    source: { filename: upload.filename, bytes: upload.bytes },
  };
  return store.collection('datasets').create(id, async (dir) => {
    let manifest: DatasetManifest;
    if (kind === 'zip') {
      const result = await ingestImageZip(upload.path, dir, limits);
      manifest = { ...common, ...result.manifest };
      const index: ImageIndex = { examples: result.index };
      await writeFile(path.join(dir, INDEX_FILE), JSON.stringify(index));
    } else {
      const result = await ingestCsv(upload.path, dir, {
        labelColumn: fields.labelColumn ?? 'label',
        ...(fields.task ? { task: fields.task } : {}),
      });
      manifest = { ...common, ...result };
    }
    await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    return manifest;
  });
}

function defaultName(filename: string): string {
  const base = path.basename(filename).replace(/\.[^.]*$/, '');
  return base.length > 0 ? base.slice(0, 200) : 'dataset';
}
