import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * The README's walkthroughs, run as written: every ```sh block of its "Using it" section (the
 * image run, text, the advisor, the Open Inference Protocol), read from README.md, in one bash session (later blocks use
 * the variables of earlier ones, as a reader's terminal would), from a folder that has the
 * repository's samples/ and docs/, against the service listening on a free port with its own DATA_DIR
 * and queue prefix. Only `API` is set beforehand (the README reads it with a default).
 *
 * curl reads a .curlrc made here: --fail-with-body, so an answer of 400 or more stops the block
 * (the bash runs with -e and pipefail), and a write-out that ends each answer with a newline
 * and writes a line per request to stderr (status, method, URL), which the checks below read.
 * Nothing in the README's commands is changed.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECTION = '## Using it';
/** The same walkthrough with the CLI (`tlearn`), run in the same session after the others. */
const CLI_SECTION = '## Command line';

interface Block {
  /** The nearest heading above the block. */
  heading: string;
  code: string;
}

/** The ```sh blocks of a `## ` section, its `### ` subsections included, with their headings. */
export function shellBlocks(markdown: string, section: string): Block[] {
  const start = markdown.indexOf(`\n${section}\n`);
  if (start < 0) throw new Error(`no "${section}" section in the README`);
  const rest = markdown.slice(start + 1);
  const end = rest.search(/\n## /);
  const body = end < 0 ? rest : rest.slice(0, end);
  const blocks: Block[] = [];
  let heading = section;
  let code: string[] | undefined;
  for (const line of body.split('\n')) {
    if (code) {
      if (line === '```') {
        blocks.push({ heading, code: code.join('\n') });
        code = undefined;
      } else code.push(line);
    } else if (/^#{2,3} /.test(line)) heading = line;
    else if (line === '```sh') code = [];
  }
  return blocks;
}

interface Request {
  status: number;
  method: string;
  path: string;
}

/** One bash process that runs block after block, keeping its variables between them. */
class Shell {
  private out = '';
  private err = '';
  private exited: number | null = null;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.child.on('exit', (code) => (this.exited = code ?? -1));
    // Any failing command ends the session, naming the command; pipes fail with their parts.
    this.child.stdin.write(
      'set -eE -o pipefail\ntrap \'echo "@@failed at: $BASH_COMMAND" >&2; exit 1\' ERR\n',
    );
  }

  /** Runs `code`; resolves with what it printed, or rejects with its output when it failed. */
  async run(code: string, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
    const marker = `@@block-done-${Math.random().toString(36).slice(2)}`;
    const [o, e] = [this.out.length, this.err.length];
    this.child.stdin.write(`${code}\necho ${marker}\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.out.slice(o).includes(marker)) {
      const failed = this.exited !== null || Date.now() > deadline;
      if (failed) {
        const why = this.exited !== null ? `bash exited ${this.exited}` : `no end within ${timeoutMs} ms`;
        throw new Error(
          `${why}\n--- stderr\n${this.err.slice(e)}\n--- stdout\n${this.out.slice(o, o + 4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { stdout: this.out.slice(o).replace(`${marker}\n`, ''), stderr: this.err.slice(e) };
  }

  close(): void {
    if (this.exited === null) this.child.kill('SIGTERM');
  }
}

/** The request lines the .curlrc's write-out adds to stderr. */
function requestsIn(stderr: string, origin: string): Request[] {
  const out: Request[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^(\d{3}) ([A-Z]+) (\S+)$/.exec(line);
    if (m && m[3]!.startsWith(origin)) {
      out.push({ status: Number(m[1]), method: m[2]!, path: new URL(m[3]!).pathname });
    }
  }
  return out;
}

/** The JSON objects a block printed on lines of their own (curl's answers). */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

const hasAll = (requests: Request[], wanted: Array<[number, string, RegExp]>) =>
  wanted.filter(
    ([status, method, p]) =>
      !requests.some((r) => r.status === status && r.method === method && p.test(r.path)),
  );

describe('the README walkthroughs, run as written', () => {
  let ctx: TestContext;
  let origin: string;
  let dir: string;
  let shell: Shell;
  let blocks: Block[];
  let cliBlocks: Block[];

  beforeAll(async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    blocks = shellBlocks(readme, SECTION);
    cliBlocks = shellBlocks(readme, CLI_SECTION);
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    ctx.startWorker();
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'readme-'));
    await symlink(path.join(ROOT, 'samples'), path.join(dir, 'samples'));
    await symlink(path.join(ROOT, 'docs'), path.join(dir, 'docs'));
    await symlink(path.join(ROOT, 'bin'), path.join(dir, 'bin'));
    await writeFile(
      path.join(dir, '.curlrc'),
      'fail-with-body\nshow-error\nwrite-out = "\\n%{stderr}%{http_code} %{method} %{url_effective}\\n"\n',
    );
    shell = new Shell(dir, { ...process.env, API: origin, CURL_HOME: dir, HOME: dir });
  }, 60_000);
  afterAll(async () => {
    shell?.close();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the nine walkthroughs', () => {
    expect(blocks.map((b) => b.heading)).toEqual([
      '## Using it',
      '### Text',
      '### Evaluation: how good is the model, and how sure is that figure?',
      '### Is this one of my classes?',
      '### Which base, and where to cut? Ask the advisor',
      '### Check your data before you train',
      '### Open Inference Protocol (KServe v2)',
      '### Scoring many inputs at once',
      '### Aliases, comparison and promotion',
    ]);
    // Only the API's address may differ from a reader's: the README reads it with a default.
    expect(blocks[0]!.code).toMatch(/^API=\$\{API:-http:\/\/127\.0\.0\.1:3000\}$/m);
  });

  it('images: uploads the sample digits, trains on MobileNetV2, predicts the sample 7 and downloads', async () => {
    const { stdout, stderr } = await shell.run(blocks[0]!.code, 420_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.length).toBeGreaterThanOrEqual(12);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [201, 'POST', /^\/v1\/datasets$/],
        [201, 'POST', /^\/v1\/base-models$/],
        [202, 'POST', /^\/v1\/jobs$/],
        [200, 'GET', /^\/v1\/jobs\/job_\w+\/events$/],
        [200, 'POST', /^\/v1\/models\/digits\/predict$/],
        [200, 'POST', /^\/v1\/models\/m_\w+\/predict$/],
        [200, 'GET', /^\/v1\/models\/m_\w+\/download$/],
      ]),
    ).toEqual([]);

    // The dataset's answer has the fields the README's comment names.
    const answers = jsonLines(stdout);
    const dataset = answers.find((a) => String(a['id']).startsWith('ds_'));
    expect(dataset).toMatchObject({ kind: 'image', examples: 60, split: { counts: expect.any(Object) } });
    expect(dataset!['classes']).toEqual(
      ['3', '7', '9'].map((name) => expect.objectContaining({ name, count: 20 })),
    );
    // The event stream ended with the completed job, which says it is done.
    const end = /^event: end\nid: \d+\ndata: (.*)$/m.exec(stdout);
    expect(end, 'an end event').not.toBeNull();
    expect(JSON.parse(end![1]!)).toMatchObject({ state: 'completed', progress: { phase: 'done' } });
    const model = answers.find((a) => String(a['id']).startsWith('m_'));
    expect(model).toMatchObject({ kind: 'image', name: 'digits', labels: ['3', '7', '9'] });
    expect(model!['metrics']).toHaveProperty('accuracy');
    // Sixty digits and no split of their own: cross-validated, every figure with its interval.
    expect(model!['evaluation']).toMatchObject({
      method: 'cross-validation',
      folds: 5,
      examples: 60,
      accuracyInterval: { level: 0.95, method: 'wilson' },
      confusionMatrix: expect.any(Array),
    });
    // Both predictions of the sample 7: one of the classes, three scores.
    const predictions = answers.filter((a) => Array.isArray(a['predictions']));
    expect(predictions).toHaveLength(2);
    for (const p of predictions) {
      const [first] = p['predictions'] as Array<{ label: string; topK: unknown[] }>;
      expect(['3', '7', '9']).toContain(first!.label);
      expect(first!.topK).toHaveLength(3);
    }
    const zip = await readFile(path.join(dir, 'model.zip'));
    expect(zip.subarray(0, 2).toString()).toBe('PK');
  }, 480_000);

  it('text: uploads the sample mails, waits for the job, then predicts', async () => {
    const { stdout, stderr } = await shell.run(blocks[1]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [201, 'POST', /^\/v1\/datasets$/],
        [202, 'POST', /^\/v1\/jobs$/],
        [200, 'GET', /^\/v1\/jobs\/job_\w+\/events$/],
        [200, 'POST', /^\/v1\/models\/m_\w+\/predict$/],
        [200, 'POST', /^\/v1\/models\/mails\/predict$/],
      ]),
    ).toEqual([]);
    // The job had ended before the first predict was sent.
    const events = requests.findIndex((r) => r.path.endsWith('/events'));
    const firstPredict = requests.findIndex((r) => r.path.endsWith('/predict'));
    expect(events).toBeGreaterThanOrEqual(0);
    expect(firstPredict).toBeGreaterThan(events);
    const predictions = jsonLines(stdout).filter((a) => Array.isArray(a['predictions']));
    expect(predictions.map((p) => (p['predictions'] as unknown[]).length)).toEqual([2, 2]);
    for (const p of predictions) {
      for (const one of p['predictions'] as Array<{ label: string }>)
        expect(['ham', 'spam']).toContain(one.label);
    }
  }, 360_000);

  it('evaluation: cross-validates the digits in 4 folds and pages the out-of-fold predictions', async () => {
    const { stdout, stderr } = await shell.run(blocks[2]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [202, 'POST', /^\/v1\/jobs$/],
        [200, 'GET', /^\/v1\/jobs\/job_\w+\/events$/],
        [200, 'GET', /^\/v1\/models\/m_\w+\/evaluation\/predictions$/],
      ]),
    ).toEqual([]);
    const answers = jsonLines(stdout);
    const model = answers.find((a) => String(a['id']).startsWith('m_'));
    expect(model!['evaluation']).toMatchObject({ method: 'cross-validation', folds: 4, examples: 60 });
    const page = answers.find((a) => Array.isArray(a['items']));
    expect((page!['items'] as Array<{ fold: number }>).length).toBe(5);
  }, 360_000);

  it('unknown: every prediction of the digits model says how novel its input is', async () => {
    const { stdout, stderr } = await shell.run(blocks[3]!.code, 120_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    const predictions = jsonLines(stdout).map(
      (a) => (a['predictions'] as Array<{ label: string; novelty: number; unknown: boolean }>)[0]!,
    );
    expect(predictions).toHaveLength(2);
    for (const p of predictions) {
      expect(['3', '7', '9']).toContain(p.label);
      expect(typeof p.novelty).toBe('number');
      expect(typeof p.unknown).toBe('boolean');
    }
    // A screenshot of the dashboard is further from the digits than a digit is.
    expect(predictions[1]!.novelty).toBeGreaterThan(predictions[0]!.novelty);
    expect(predictions.map((p) => p.unknown)).toEqual([false, true]);
  }, 180_000);

  it('advisor: ranks encoders for the mails and recommends a spec', async () => {
    const { stdout, stderr } = await shell.run(blocks[4]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    const run = jsonLines(stdout).find((a) => String(a['id']).startsWith('adv'));
    expect(run, stdout.slice(0, 2000)).toMatchObject({ state: 'completed' });
    expect((run!['ranking'] as unknown[]).length).toBeGreaterThanOrEqual(1);
  }, 360_000);

  it('audit: audits the mails and fixes the findings in a version with one request', async () => {
    // API and field come from the first block; defined again, so this block also runs alone.
    const prelude = blocks[0]!.code.split('\n').filter((l) => /^(API=|field\(\))/.test(l));
    await shell.run(prelude.join('\n'), 10_000);
    const { stdout, stderr } = await shell.run(blocks[5]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [202, 'POST', /^\/v1\/datasets\/ds_\w+\/audits$/],
        [200, 'GET', /^\/v1\/audits\/aud_\w+\/events$/],
        [201, 'POST', /^\/v1\/datasets\/ds_\w+\/versions$/],
      ]),
    ).toEqual([]);
    const version = jsonLines(stdout).find((a) => String(a['id']).startsWith('ds_'));
    expect(version!['parent']).toMatchObject({ auditId: expect.stringMatching(/^aud_/) });
  }, 360_000);

  it('open inference protocol: the digits model answers a KServe v2 infer as the README shows', async () => {
    const { stdout, stderr } = await shell.run(blocks[6]!.code, 120_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [200, 'GET', /^\/v2\/health\/ready$/],
        [200, 'GET', /^\/v2$/],
        [200, 'GET', /^\/v2\/models\/digits$/],
        [200, 'POST', /^\/v2\/models\/digits\/versions\/1\/infer$/],
      ]),
    ).toEqual([]);
    const answers = jsonLines(stdout);
    expect(answers[0]).toEqual({ ready: true, live: true });
    const inferred = answers.find((a) => a['model_name'] === 'digits');
    expect(inferred).toMatchObject({ model_version: '1', id: 'req-1' });
    const outputs = inferred!['outputs'] as Array<{ name: string; shape: number[]; data: unknown[] }>;
    expect(outputs.map((o) => [o.name, o.shape])).toEqual([
      ['probabilities', [1, 3]],
      ['label', [1]],
      ['novelty', [1]],
      ['unknown', [1]],
    ]);
    expect(['3', '7', '9']).toContain(outputs[1]!.data[0]);
  }, 180_000);

  it('batch: scores the sample digits with the digits model as one job and downloads the CSV', async () => {
    const { stdout, stderr } = await shell.run(blocks[7]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [202, 'POST', /^\/v1\/batch-predictions$/],
        [200, 'GET', /^\/v1\/batch-predictions\/bp_\w+\/events$/],
        [200, 'GET', /^\/v1\/batch-predictions\/bp_\w+\/results$/],
      ]),
    ).toEqual([]);
    const batch = jsonLines(stdout).find((a) => String(a['id']).startsWith('bp_'));
    expect(batch).toMatchObject({ state: 'completed', counts: { total: 60, succeeded: 60, errors: 0 } });
    const csv = (await readFile(path.join(dir, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('id,label,score,topK,novelty,unknown,value,error');
    expect(csv).toHaveLength(61);
    expect(stdout).toContain('id,label,score,topK,novelty,unknown,value,error');
  }, 360_000);

  it('aliases: puts digits behind production, trains version 2, compares and decides', async () => {
    const { stdout, stderr } = await shell.run(blocks[8]!.code, 300_000);
    const requests = requestsIn(stderr, origin);
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    expect(
      hasAll(requests, [
        [200, 'PUT', /^\/v1\/models\/digits\/aliases\/production$/],
        [200, 'POST', /^\/v1\/models\/digits@production\/predict$/],
        [200, 'POST', /^\/v1\/models\/compare$/],
        [200, 'POST', /^\/v1\/models\/digits\/promote$/],
        [200, 'GET', /^\/v1\/models\/digits\/aliases$/],
      ]),
    ).toEqual([]);
    const answers = jsonLines(stdout);
    const predicted = answers.find((a) => Array.isArray(a['predictions']));
    expect(predicted!['model']).toMatchObject({ name: 'digits', version: 1 });
    const compared = answers.find((a) => a['verdict'] !== undefined);
    expect(compared).toMatchObject({ examples: 60, a: { version: 1 }, b: { version: 2 } });
    const decided = answers.find((a) => a['promoted'] !== undefined)!;
    expect(decided).toMatchObject({ alias: 'production', version: 2, policy: 'not-worse' });
    const aliases = answers.find((a) => Array.isArray(a['aliases']))!;
    const production = (aliases['aliases'] as Array<Record<string, unknown>>)[0];
    expect(production).toMatchObject({ alias: 'production', version: decided['promoted'] ? 2 : 1 });
  }, 360_000);

  it('command line: the images walkthrough with tlearn, from upload to download', async () => {
    expect(cliBlocks).toHaveLength(1);
    const { stdout, stderr } = await shell.run(cliBlocks[0]!.code, 420_000);
    // The dataset as `datasets get` shows it, and the base's top layers.
    expect(stdout).toMatch(/^ds_\w+ {2}digits-cli {2}image, 60 examples$/m);
    expect(stdout).toContain('classes: 3 (20), 7 (20), 9 (20)');
    expect(stdout).toMatch(/│ flatten_1 +│/);
    // The job was followed to its end, one line per epoch on stderr (no terminal here).
    expect(stderr).toMatch(/^job job_\w+ (queued|running)$/m);
    expect(stderr).toMatch(/^ {2}epoch 1 train: loss \d/m);
    // The model with its figure, its interval and the examples it rests on.
    expect(stdout).toMatch(/^accuracy \d\.\d\d \(\d\.\d\d to \d\.\d\d, 60 examples\) by cross-validation$/m);
    // The table and the JSON of the sample 7's prediction.
    expect(stdout).toMatch(/│ samples\/digit-7\.png │ [379] +│ \d\.\d\d/);
    const answer = jsonLines(stdout).find((a) => Array.isArray(a['predictions']));
    const [first] = answer!['predictions'] as Array<{ input: string; label: string; topK: unknown[] }>;
    expect(first).toMatchObject({ input: 'samples/digit-7.png', topK: expect.any(Array) });
    expect(['3', '7', '9']).toContain(first!.label);
    const zip = await readFile(path.join(dir, 'digits-cli.zip'));
    expect(zip.subarray(0, 2).toString()).toBe('PK');
  }, 480_000);
});
