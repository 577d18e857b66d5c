import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Every file under `dir`, as paths relative to it with `/` separators, hidden files left out. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((rel) => !rel.split('/').some((part) => part.startsWith('.')))
    .sort();
}

/**
 * Zips a folder (the folder-per-class layout the service reads) into a temporary file, streamed
 * to disk, and answers its path and a cleanup. The zip is named after the folder.
 */
export async function zipFolder(dir: string): Promise<{ file: string; cleanup(): Promise<void> }> {
  const files = await filesUnder(dir);
  if (files.length === 0) throw new Error(`${dir} holds no files to upload`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tlearn-'));
  const file = path.join(tmp, `${path.basename(path.resolve(dir))}.zip`);
  const zip = new yazl.ZipFile();
  for (const rel of files) zip.addFile(path.join(dir, rel), rel);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
  return { file, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}
