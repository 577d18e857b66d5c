/**
 * A real backbone on the default backend: the offline MobileNetV2 (224x224) from the nsfwjs
 * package, 64 synthetic images of 2 classes. Each case runs in a process of its own
 * (bench/backbone-case.ts), so peak RSS is per case and a case that aborts its engine cannot
 * disturb the others.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CASES, type CaseName, type CaseResult } from './backbone-case.js';

const run = promisify(execFile);

async function runCase(c: CaseName): Promise<CaseResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/backbone-case.ts', c], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as CaseResult;
}

export async function benchRealBackbone(opts: { log: (line: string) => void }) {
  const results = new Map<CaseName, CaseResult>();
  for (const c of CASES) {
    const r = await runCase(c);
    opts.log(
      `${c}: ${r.ok ? 'ok' : `failed (${r.error})`}, ${JSON.stringify(r.phases)}, peak RSS ${(r.maxRssBytes / 2 ** 30).toFixed(2)} GiB`,
    );
    results.set(c, r);
  }
  return results;
}
