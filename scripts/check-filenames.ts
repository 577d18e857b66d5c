/**
 * Refuses tracked file names that begin or end with whitespace or hold control characters
 * (run by `npm run lint`). Such names once slipped in as stray copies of the README, invisible
 * in most listings and awkward to name in a shell. Checks every segment of every path that
 * `git ls-files` lists (tracked and staged), in the given folder or the current one.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** Why a path is refused, or undefined when it is fine. */
export function fileNameProblem(path: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'holds a control character';
  for (const segment of path.split('/')) {
    if (/^\s/u.test(segment)) return `'${segment}' begins with whitespace`;
    if (/\s$/u.test(segment)) return `'${segment}' ends with whitespace`;
  }
  return undefined;
}

export function trackedFiles(cwd: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.split('\0').filter((p) => p.length > 0);
}

export function badFileNames(cwd: string): Array<{ path: string; problem: string }> {
  return trackedFiles(cwd).flatMap((path) => {
    const problem = fileNameProblem(path);
    return problem ? [{ path, problem }] : [];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bad = badFileNames(process.argv[2] ?? process.cwd());
  for (const b of bad) console.error(`${JSON.stringify(b.path)}: ${b.problem}`);
  if (bad.length > 0) {
    console.error(`${bad.length} tracked file name(s) refused: rename them (git mv) or remove them`);
    process.exit(1);
  }
}
