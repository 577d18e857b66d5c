import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * /readyz on a full volume: it says the data folder is not writable, and its write probe leaves
 * nothing behind (a probe file whose write failed used to stay, one per call). The volume is a
 * real 1 MiB tmpfs filled to the last byte, which takes root to mount.
 */
const isRoot = process.getuid?.() === 0;

async function fillUp(dir: string): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; ; i++) {
    try {
      await writeFile(path.join(dir, `filler-${i}`), chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw err;
    }
  }
  // The last chunk's file may have been created empty: keep it, the volume stays full.
}

describe.skipIf(!isRoot)('readiness on a full volume (mounts a tmpfs: needs root)', () => {
  let mountPoint: string;
  let ctx: TestContext;
  let mounted = false;

  beforeAll(async () => {
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'tls-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    mounted = true;
    ctx = await buildTestApp({ DATA_DIR: mountPoint });
    await fillUp(mountPoint);
  });
  afterAll(async () => {
    await ctx?.close();
    if (mounted) execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('answers 503 naming the data folder and leaves no probe file', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await api(ctx).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'dataDir' })]));
    }
    const left = (await readdir(path.join(mountPoint, '.tmp'))).filter((f) => f.startsWith('probe-'));
    expect(left).toEqual([]);
  });
});
