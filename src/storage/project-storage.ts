import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_PROJECT } from '../contracts/project.js';
import type { StorageConfig } from './create-store.js';

/**
 * Where a project's objects live: the default project where everything lived before projects
 * (so existing deployments keep their data in place), any other under `projects/<name>/` of the
 * same store: `DATA_DIR/projects/<name>/` on file://, `s3://bucket/prefix/projects/<name>/` on
 * S3 (its local cache under `DATA_DIR/projects/<name>/cache`). A store opened on that config
 * cannot name anything outside the project, so isolation holds by construction.
 */
export function projectStorage<C extends StorageConfig>(config: C, project: string): C {
  if (project === DEFAULT_PROJECT) return config;
  const dataDir = path.join(config.DATA_DIR, 'projects', project);
  const url = config.STORAGE_URL;
  if (url === undefined) return { ...config, DATA_DIR: dataDir };
  if (url.startsWith('file://')) {
    return { ...config, STORAGE_URL: pathToFileURL(path.join(fileURLToPath(url), 'projects', project)).href };
  }
  return { ...config, DATA_DIR: dataDir, STORAGE_URL: `${url.replace(/\/+$/, '')}/projects/${project}` };
}
