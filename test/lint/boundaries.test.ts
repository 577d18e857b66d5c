import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The lint's architecture rules catch what they promise: each rule of .dependency-cruiser.cjs
 * gets a planted violation in a scratch tree laid out like src/, and the cruise must fail
 * naming every rule; the process.env rule is checked through ESLint itself.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const require = createRequire(import.meta.url);
const ruleNames = (require(CONFIG) as { forbidden: Array<{ name: string }> }).forbidden.map((r) => r.name);
const CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface CruiseResult {
  code: number;
  violations: Array<{ rule: { name: string }; from: string; to: string }>;
}

/** The cruise as `npm run lint` runs it (its exit code), and its JSON report (the violations). */
async function cruise(cwd: string): Promise<CruiseResult> {
  const run = (outputType: string) =>
    promisify(execFile)(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', outputType], {
      cwd,
      maxBuffer: 64 << 20,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '' }),
    );
  const [err, json] = await Promise.all([run('err'), run('json')]);
  const parsed = JSON.parse(json.stdout) as { summary: { violations: CruiseResult['violations'] } };
  return { code: err.code, violations: parsed.summary.violations };
}

/** One planted violation per rule (the scratch tree sits inside the repo so packages resolve). */
const planted: Record<string, string> = {
  'src/http/thing.ts': 'export const thing = 1;\n',
  'src/lib/util.ts': 'export const util = 1;\n',
  'src/ml/reaches-http.ts': "import { thing } from '../http/thing.js';\nexport const a = thing;\n",
  'src/jobs/uses-tfjs.ts': "import * as tf from '@tensorflow/tfjs';\nexport const b = tf;\n",
  'src/ml/helper.ts': 'export const helper = 1;\n',
  'src/ml/index.ts': "export { helper } from './helper.js';\n",
  'src/jobs/uses-ml-index.ts': "import { helper } from '../ml/index.js';\nexport const s = helper;\n",
  'src/jobs/uses-ml-internal.ts': "import { helper } from '../ml/helper.js';\nexport const t = helper;\n",
  'src/ml/uses-index.ts': "import { helper } from './index.js';\nexport const u = helper;\n",
  'src/jobs/uses-bullmq.ts': "import { Queue } from 'bullmq';\nexport const c = Queue;\n",
  'src/contracts/uses-lib.ts': "import { util } from '../lib/util.js';\nexport const d = util;\n",
  'src/lib/uses-datasets.ts': "import { e } from '../datasets/cycle-a.js';\nexport const f = e;\n",
  'src/datasets/cycle-a.ts': "import { g } from './cycle-b.js';\nexport const e = 1;\nexport const h = g;\n",
  'src/datasets/cycle-b.ts': "import { e } from './cycle-a.js';\nexport const g = 2;\nexport const i = e;\n",
  'src/serving/uses-http.ts': "import { thing } from '../http/thing.js';\nexport const j = thing;\n",
  'src/models/uses-aws-sdk.ts':
    "import { S3Client } from '@aws-sdk/client-s3';\nexport const m = S3Client;\n",
  'src/models/uses-fastify.ts': "import Fastify from 'fastify';\nexport const k = Fastify;\n",
  'src/evaluation/uses-store.ts': "import { store } from '../storage/store.js';\nexport const n = store;\n",
  'src/evaluation/uses-fs.ts': "import { readFile } from 'node:fs/promises';\nexport const o = readFile;\n",
  'src/evaluation/uses-lib.ts': "import { util } from '../lib/util.js';\nexport const p = util;\n",
  'src/audits/scoring/uses-store.ts':
    "import { store } from '../../storage/store.js';\nexport const q = store;\n",
  'src/audits/scoring/uses-evaluation.ts':
    "import { util } from '../../lib/util.js';\nexport const r = util;\n",
  'src/storage/store.ts': 'export const store = 1;\n',
  'src/client/uses-lib.ts': "import { util } from '../lib/util.js';\nexport const q = util;\n",
  'src/client/client.ts': 'export const client = 1;\n',
  'src/models/uses-client.ts': "import { client } from '../client/client.js';\nexport const r = client;\n",
  'src/storage/unresolved.ts': "import { nothing } from './missing.js';\nexport const l = nothing;\n",
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    include: ['src'],
  }),
};

let scratch: string;

beforeAll(async () => {
  await mkdir(path.join(ROOT, '.tmp'), { recursive: true });
  scratch = await mkdtemp(path.join(ROOT, '.tmp', 'boundaries-'));
  for (const [file, text] of Object.entries(planted)) {
    await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
    await writeFile(path.join(scratch, file), text);
  }
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('architecture lint (dependency-cruiser)', () => {
  it('passes on the real src/', async () => {
    const result = await cruise(ROOT);
    expect(result.violations).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('fails on a planted violation of every rule, naming the rule', async () => {
    const result = await cruise(scratch);
    expect(result.code).not.toBe(0);
    const broken = new Set(result.violations.map((v) => v.rule.name));
    expect([...broken].sort()).toEqual([...ruleNames].sort());
    const by = (rule: string) => result.violations.filter((v) => v.rule.name === rule).map((v) => v.from);
    expect(by('ml-imports-only-ml-contracts-lib')).toEqual(['src/ml/reaches-http.ts']);
    expect(by('tfjs-only-in-ml')).toEqual(['src/jobs/uses-tfjs.ts']);
    expect(by('ml-has-one-entry')).toEqual(['src/jobs/uses-ml-internal.ts']);
    expect(by('ml-internals-skip-the-index')).toEqual(['src/ml/uses-index.ts']);
    expect(by('redis-only-in-queue')).toEqual(['src/jobs/uses-bullmq.ts']);
    expect(by('contracts-are-dependency-free')).toEqual(['src/contracts/uses-lib.ts']);
    expect(by('evaluation-is-pure-statistics').sort()).toEqual([
      'src/evaluation/uses-fs.ts',
      'src/evaluation/uses-store.ts',
    ]);
    expect(by('client-is-standalone')).toEqual(['src/client/uses-lib.ts']);
    expect(by('only-the-cli-uses-the-client')).toEqual(['src/models/uses-client.ts']);
    expect(by('audit-scoring-is-pure')).toEqual(['src/audits/scoring/uses-store.ts']);
    expect(by('no-circular').length).toBeGreaterThan(0);
    expect(by('no-circular').every((from) => /^src\/datasets\/cycle-[ab]\.ts$/.test(from))).toBe(true);
  });
});

describe('architecture lint (ESLint)', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (filePath: string) =>
    (await eslint.lintText('export const url = process.env.REDIS_URL;\n', { filePath }))[0]!.messages.map(
      (m) => m.ruleId,
    );

  it('refuses process.env outside src/config/ and the entry points', async () => {
    expect(await lint(path.join(ROOT, 'src/jobs/reads-env.ts'))).toContain('no-restricted-properties');
    expect(await lint(path.join(ROOT, 'src/ml/reads-env.ts'))).toContain('no-restricted-properties');
    expect(await lint(path.join(ROOT, 'src/config/reads-env.ts'))).not.toContain('no-restricted-properties');
    expect(await lint(path.join(ROOT, 'src/server.ts'))).not.toContain('no-restricted-properties');
  });
});
