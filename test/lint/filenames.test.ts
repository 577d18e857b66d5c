import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { fileNameProblem } from '../../scripts/check-filenames.js';

/** `npm run lint:filenames` over a scratch git repository: it fails on a bad name, passes on good ones. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/check-filenames.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

async function check(dir: string): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)(process.execPath, [TSX, SCRIPT, dir]).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? '' }),
  );
}

describe('tracked file names', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function repo(names: string[]): Promise<string> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tls-names-'));
    execFileSync('git', ['init', '-q'], { cwd: dir });
    for (const n of names) await writeFile(path.join(dir, n), 'x');
    execFileSync('git', ['add', '--', ...names], { cwd: dir });
    return dir;
  }

  it('passes a repository of ordinary names', async () => {
    const r = await check(await repo(['README.md', 'a b.txt']));
    expect(r.code, r.stderr).toBe(0);
  });

  it('fails on a name that begins with a space, naming it', async () => {
    const r = await check(await repo(['README.md', ' one image in a predict request (413 beyond).md']));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('" one image in a predict request (413 beyond).md": ');
    expect(r.stderr).toContain('begins with whitespace');
    expect(r.stderr).not.toContain('"README.md"');
  });

  it('fails on trailing whitespace and control characters', async () => {
    const r = await check(await repo(['notes.md ', 'tab\there.md']));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ends with whitespace');
    expect(r.stderr).toContain('control character');
  });

  it('checks every segment of a path', () => {
    expect(fileNameProblem('docs/ old/README.md')).toContain('begins with whitespace');
    expect(fileNameProblem('docs/\u00a0x')).toContain('begins with whitespace');
    expect(fileNameProblem('src/oip/tensors.ts')).toBeUndefined();
  });

  it('passes this repository', async () => {
    const r = await check(ROOT);
    expect(r.code, r.stderr).toBe(0);
  });
});
