import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const OBJECT = '._S3rver_object';
const METADATA = '._S3rver_metadata.json';

/**
 * s3rver's filesystem store writes a PUT in place: the object's bytes, then its `.md5`, then its
 * metadata JSON. A SIGKILL in between leaves an object that is truncated, or whose metadata is
 * missing or half-written, and s3rver then answers every LIST over it with 500 InternalError. A PUT
 * on S3 or MinIO is atomic: an interrupted one leaves nothing. So a killed s3rver is started again
 * the way such a store recovers: an object without complete metadata (written last) is dropped.
 * Returns the keys' object files it removed, relative to `directory`.
 */
export async function recoverCutPuts(directory: string): Promise<string[]> {
  const names = await readdir(directory, { recursive: true }).catch(() => [] as string[]);
  const dropped: string[] = [];
  for (const name of names) {
    if (!name.endsWith(OBJECT)) continue;
    const base = path.join(directory, name.slice(0, -OBJECT.length));
    if (await completeJson(base + METADATA)) continue;
    await Promise.all([OBJECT, `${OBJECT}.md5`, METADATA].map((s) => rm(base + s, { force: true })));
    dropped.push(name);
  }
  return dropped;
}

async function completeJson(file: string): Promise<boolean> {
  try {
    JSON.parse(await readFile(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}
