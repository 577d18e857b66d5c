import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../../src/contracts/project.js';
import type { Quotas } from '../../src/projects/keys-file.js';
import { sha256Hex } from '../../src/projects/key-ring.js';
import { buildTestApp, type TestContext } from './app.js';

/** A key for a test's keys file: the secret the test sends, and who the service takes it for. */
export interface TestKey {
  id: string;
  key: string;
  project: string;
  roles: Role[];
  models?: string[];
}

/**
 * An app whose keys come from an API_KEYS_FILE written for the test (keys by their SHA-256, as
 * an operator writes them), with optional quotas per project; `close()` also removes the file.
 */
export async function buildAppWithKeys(
  keys: TestKey[],
  opts: { projects?: Record<string, { quotas?: Quotas }>; env?: Record<string, string> } = {},
): Promise<TestContext> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-keys-'));
  const file = path.join(dir, 'keys.json');
  const entries = keys.map(({ key, ...k }) => ({ ...k, sha256: sha256Hex(key) }));
  await writeFile(
    file,
    JSON.stringify({ keys: entries, ...(opts.projects ? { projects: opts.projects } : {}) }),
  );
  const ctx = await buildTestApp({ ...opts.env, API_KEYS_FILE: file }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  return ctx;
}
