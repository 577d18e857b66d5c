import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as apiOf } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { smallCnnDir } from '../helpers/advisor-fixtures.js';
import { png } from '../helpers/dataset-fixtures.js';

/**
 * The CLI against a real service: the app listening on a port with API keys, a real worker, and
 * the CLI spawned as a process. A folder of images is zipped on the fly and uploaded, a job from
 * a spec file plus flags trains to its end with progress on stderr, a folder is predicted, and
 * failures end with the service's own message and a non-zero status.
 */

const KEY = 'cli-test-key-0123456789';

describe('tlearn against a running service', () => {
  let ctx: TestContext;
  let api: string;
  let dir: string;
  const cli = (args: string[], env: Record<string, string> = {}, timeoutMs?: number) =>
    runCli(['--api', api, ...args], { env: { TLEARN_KEY: KEY, ...env }, cwd: dir, timeoutMs });
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown> & { id: string };

  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY, JOB_ATTEMPTS: '1' });
    ctx.startWorker();
    // A real socket: the CLI is a separate process that talks HTTP.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    api = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-test-'));
    // Reds and blues, 12 of each, no two alike; four more of each to predict.
    for (const [cls, rgb] of [
      ['red', (i: number) => [200 + i * 4, 20 + i * 3, 30] as const],
      ['blue', (i: number) => [25, 30 + i * 3, 200 + i * 4] as const],
    ] as const) {
      await mkdir(path.join(dir, 'shapes', cls), { recursive: true });
      await mkdir(path.join(dir, 'new'), { recursive: true });
      for (let i = 0; i < 16; i++) {
        const [r, g, b] = rgb(i);
        const file =
          i < 12 ? path.join(dir, 'shapes', cls, `${i}.png`) : path.join(dir, 'new', `${cls}-${i}.png`);
        await writeFile(file, await png(8, 8, [r, g, b]));
      }
    }
    await writeFile(path.join(dir, 'shapes', '.DS_Store'), 'not an image');
    await writeFile(
      path.join(dir, 'spec.json'),
      JSON.stringify({
        architecture: [{ type: 'flatten' }, { type: 'dense', units: 8, activation: 'relu' }],
        input: { size: [8, 8] },
        fit: { epochs: 2, batchSize: 4 },
        evaluation: { method: 'holdout' },
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let datasetId = '';
  let modelId = '';

  it('uploads a folder, zipped on the fly, and lists it', async () => {
    const up = await cli(['--json', 'datasets', 'upload', 'shapes', '--name', 'colours']);
    expect(up.code, up.stderr).toBe(0);
    const ds = json(up.stdout);
    expect(ds).toMatchObject({ name: 'colours', kind: 'image', examples: 24 });
    expect((ds['classes'] as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(['blue', 'red']);
    datasetId = ds.id;

    const list = await cli(['datasets', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(datasetId);
    expect(list.stdout).toContain('colours');
  });

  it('trains a job from a spec file and flags, following it to the end', async () => {
    const run = await cli(
      ['--json', 'jobs', 'start', 'spec.json', '--dataset', datasetId, '--epochs', '3', '--name', 'colours'],
      {},
      240_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const job = json(run.stdout);
    expect(job).toMatchObject({ state: 'completed', modelId: expect.stringMatching(/^m_/) });
    // The flag won over the spec file's epochs; each finished epoch was reported on stderr.
    expect(job['spec']).toMatchObject({ datasetId, fit: { epochs: 3 }, modelName: 'colours' });
    expect(run.stderr).toMatch(/job job_\w+ (queued|running)/);
    expect(run.stderr.match(/^ {2}epoch \d+ train: loss \d/gm)?.length).toBeGreaterThanOrEqual(3);
    modelId = String(job['modelId']);

    const get = await cli(['models', 'get', 'colours']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toContain(modelId);
    // A figure with its interval and the examples it rests on.
    expect(get.stdout).toMatch(/accuracy \d\.\d\d \(\d\.\d\d to \d\.\d\d, \d+ examples\) by holdout/);
  }, 300_000);

  it('predicts a folder of images, as JSON and as a table', async () => {
    const run = await cli(['--json', 'predict', 'colours', 'new', '--top-k', '2']);
    expect(run.code, run.stderr).toBe(0);
    const { predictions } = JSON.parse(run.stdout) as {
      predictions: Array<{ input: string; label: string; topK: unknown[] }>;
    };
    expect(predictions).toHaveLength(8);
    for (const p of predictions) {
      expect(['red', 'blue']).toContain(p.label);
      expect(p.topK).toHaveLength(2);
      expect(p.input).toMatch(/^new\/(red|blue)-\d+\.png$/);
    }

    const table = await cli(['predict', modelId, 'new/red-12.png', 'new/blue-12.png']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('new/red-12.png');
    expect(table.stdout).toMatch(/label.*score.*novelty/);
  });

  it('downloads the model and lists jobs and models', async () => {
    const dl = await cli(['models', 'download', modelId, '-o', 'model.zip']);
    expect(dl.code, dl.stderr).toBe(0);
    expect((await readFile(path.join(dir, 'model.zip'))).subarray(0, 2).toString()).toBe('PK');
    const jobs = await cli(['-q', 'jobs', 'list', '--state', 'completed']);
    expect(jobs.stdout.trim().split('\n')).toHaveLength(1);
    const models = await cli(['--json', 'models', 'list']);
    expect((JSON.parse(models.stdout) as { items: Array<{ id: string }> }).items.map((m) => m.id)).toEqual([
      modelId,
    ]);
  });

  it('points an alias, compares two references and promotes through the alias', async () => {
    const alias = await cli(['models', 'alias', 'colours', 'production', '1']);
    expect(alias.code, alias.stderr).toBe(0);
    expect(alias.stdout).toContain(`colours@production -> v1 (${modelId}), was unset`);
    const compare = await cli(['models', 'compare', 'colours@production', modelId]);
    expect(compare.code, compare.stderr).toBe(0);
    // The same model twice: no difference, each figure with its interval and the examples (a
    // handful here, so the difference's interval is wide on both sides of 0).
    expect(compare.stdout).toMatch(
      /^a colours v1: accuracy \d\.\d\d \(\d\.\d\d to \d\.\d\d, \d+ examples\)$/m,
    );
    expect(compare.stdout).toMatch(/^b - a: \+0\.0 points \(-\d+\.\d to \+\d+\.\d\), no clear difference$/m);
    const promote = await cli(['--json', 'models', 'promote', 'colours', '--version', '1']);
    expect(promote.code, promote.stderr).toBe(0);
    expect(JSON.parse(promote.stdout)).toMatchObject({
      promoted: false,
      reason: "'production' already points at version 1",
    });
    const missing = await cli(['models', 'promote', 'colours']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no alias 'candidate' to promote/);
  });

  it('a wrong key ends with the service message and status 1', async () => {
    const run = await cli(['datasets', 'list'], { TLEARN_KEY: 'not-the-key' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: Invalid API key (HTTP 401)');
    expect(run.stdout).toBe('');
  });

  it('a bad spec names the failing field; a missing dataset says so; bad flags exit 2', async () => {
    const bad = await cli(['jobs', 'start', 'spec.json', '--dataset', datasetId, '--epochs', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: .*fit\.epochs.*\(HTTP 400\)/);
    const missing = await cli(['datasets', 'get', 'ds_0000000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: .*ds_0000000000000000.*\(HTTP 404\)/);
    const flags = await cli(['jobs', 'start', '--epochs', 'many']);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('"many" is not a whole number');
  });

  it('reads the key from the environment without showing it in the help; --key wins', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--key <key>');
    expect(help.stdout).not.toContain(KEY);
    const flag = await cli(['--key', 'not-the-key', 'datasets', 'list']);
    expect(flag.code).toBe(1);
    const fromEnv = await runCli(['--api', api, '-q', 'datasets', 'list'], { env: { API_KEY: KEY } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout.trim()).toBe(datasetId);
  });

  it('says when nothing answers at --api', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const run = await runCli(['--api', `http://127.0.0.1:${port}`, 'datasets', 'list']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: nothing answers at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('uploads a base from its files and ranks its cuts with the advisor', async () => {
    const cnn = await smallCnnDir();
    const add = await cli([
      '-q',
      'base-models',
      'add',
      path.join(cnn, 'model.json'),
      path.join(cnn, 'weights.bin'),
      '--name',
      'small-cnn',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const baseId = add.stdout.trim();
    expect(baseId).toMatch(/^bm_\w+$/);
    const layers = await cli(['base-models', 'layers', baseId]);
    expect(layers.stdout).toMatch(/│ \d+ +│ features +│ GlobalAveragePooling2D/);

    const run = await cli(
      ['advisor', 'run', datasetId, '--base', baseId, '--cuts', 'features,pool_a'],
      {},
      240_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^advisor run adv\w+ (queued|running)$/m);
    // Both cuts ranked, each accuracy with its interval and the examples it rests on.
    const rows = run.stdout.split('\n').filter((l) => /^│ [12] /.test(l));
    expect(rows).toHaveLength(2);
    for (const cut of ['features', 'pool_a'])
      expect(run.stdout).toMatch(new RegExp(`│ small-cnn +│ ${cut} +│`));
    for (const row of rows) expect(row).toMatch(/\d\.\d\d \(\d\.\d\d to \d\.\d\d, 24 examples\)/);
    await rm(cnn, { recursive: true, force: true });
  }, 300_000);

  it('scores a folder as a batch prediction and saves the CSV', async () => {
    const run = await cli(
      ['batch', 'run', modelId, 'new', '--format', 'csv', '-o', 'scores.csv'],
      {},
      240_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^batch bp_\w+ (queued|running)$/m);
    expect(run.stdout).toMatch(/^bp_\w+ completed\n8 scored, 0 unreadable, of 8$/m);
    const rows = (await readFile(path.join(dir, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('id,label,score,topK,novelty,unknown,value,error');
    expect(
      rows
        .slice(1)
        .map((r) => r.split(',')[0])
        .sort(),
    ).toEqual([12, 13, 14, 15].flatMap((i) => [`blue-${i}.png`, `red-${i}.png`]).sort());
    // The same labels as predict gives for the same images.
    const predicted = json((await cli(['--json', 'predict', modelId, 'new'])).stdout) as unknown as {
      predictions: Array<{ input: string; label: string }>;
    };
    for (const p of predicted.predictions) {
      const row = rows.find((r) => r.startsWith(`${path.basename(p.input)},`));
      expect(row?.split(',')[1], p.input).toBe(p.label);
    }
  }, 300_000);

  it('audits the dataset and fixes it into a version that keeps the original', async () => {
    // The colours again, with a red square filed under blue as well: a duplicate with another label.
    await cp(path.join(dir, 'shapes'), path.join(dir, 'dirty'), { recursive: true });
    await cp(path.join(dir, 'shapes', 'red', '0.png'), path.join(dir, 'dirty', 'blue', 'red-0.png'));
    const up = await cli(['--json', 'datasets', 'upload', 'dirty', '--name', 'dirty']);
    expect(up.code, up.stderr).toBe(0);
    const dirtyId = json(up.stdout).id;
    const clean = await cli([
      'audit',
      'fix',
      (await cli(['-q', 'audit', 'run', datasetId], {}, 300_000)).stdout.trim(),
    ]);
    expect(clean.code, clean.stderr).toBe(0);

    const run = await cli(['--json', 'audit', 'run', dirtyId], {}, 300_000);
    expect(run.code, run.stderr).toBe(0);
    const audit = json(run.stdout) as unknown as {
      id: string;
      state: string;
      summary: { examples: number };
      findings: Array<{ action: string; exampleId: string; suggestedLabel?: string }>;
    };
    expect(audit).toMatchObject({ state: 'completed', summary: { examples: 25 } });
    expect(audit.findings).toContainEqual(expect.objectContaining({ kind: 'duplicate', conflict: true }));
    const shown = await cli(['audit', 'get', audit.id]);
    expect(shown.stdout).toMatch(
      /^findings on 25 examples: \d+ label, [1-9]\d* duplicate \([1-9]\d* with another label\)/m,
    );
    expect(shown.stdout).toMatch(/^probe accuracy \d\.\d\d \(\d\.\d\d to \d\.\d\d, 25 examples\)$/m);
    const fixed = await cli(['--json', 'audit', 'fix', audit.id, '--name', 'colours-fixed']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const version = json(fixed.stdout) as unknown as { id: string; examples: number; parent: unknown };
    // The CLI takes what the audit says to do (relabel, exclude) and leaves what it says to review.
    const relabel = audit.findings.filter((f) => f.action === 'relabel' && f.suggestedLabel);
    const relabelled = new Set(relabel.map((f) => f.exampleId));
    const excluded = new Set(
      audit.findings
        .filter((f) => f.action === 'exclude' && !relabelled.has(f.exampleId))
        .map((f) => f.exampleId),
    );
    expect(relabelled.size + excluded.size).toBeGreaterThan(0);
    expect(version.examples).toBe(25 - excluded.size);
    expect(version.parent).toMatchObject({ datasetId: dirtyId, auditId: audit.id });
    const parent = version.parent as {
      excluded: string[];
      relabelled: Array<{ exampleId: string; to: string }>;
    };
    expect(new Set(parent.excluded)).toEqual(excluded);
    expect(parent.relabelled.map((r) => [r.exampleId, r.to]).sort()).toEqual(
      relabel.map((f) => [f.exampleId, f.suggestedLabel]).sort(),
    );
    const original = json((await cli(['--json', 'datasets', 'get', dirtyId])).stdout);
    expect(original['examples']).toBe(25);
  }, 360_000);

  it('retrains the model from its labelled review items and follows the job', async () => {
    // The test's own calls go in-process; only the CLI needs the socket.
    const http = apiOf(ctx, { key: KEY });
    expect((await http.patch(`/v1/models/${modelId}`, { capture: { rate: 1 } })).status).toBe(200);
    const none = await cli(['models', 'retrain', modelId]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no labelled review items yet/);
    expect((await cli(['predict', modelId, 'new/red-13.png', 'new/blue-13.png'])).code).toBe(0);
    await ctx.app.capture.settle();
    const queue = (await http.get(`/v1/models/${modelId}/review`)).body as {
      items: Array<{ id: string }>;
    };
    expect(queue.items).toHaveLength(2);
    for (const item of queue.items) {
      const input = (await http.get(`/v1/models/${modelId}/review/${item.id}/input`)).raw;
      // The red test image has a red channel near 250, the blue one near 25.
      const label = input.equals(await readFile(path.join(dir, 'new', 'red-13.png'))) ? 'red' : 'blue';
      expect((await http.post(`/v1/models/${modelId}/review/${item.id}`, { label })).status).toBe(200);
    }
    const run = await cli(['models', 'retrain', modelId, '--spec', '{"fit":{"epochs":1,"batchSize":4}}']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/dataset ds_\w+: 26 examples, 2 added from the review queue/);
    expect(run.stdout).toMatch(/^job job_\w+ completed: model m_\w+$/m);
  });

  it('deletes the dataset', async () => {
    const del = await cli(['datasets', 'delete', datasetId]);
    expect(del.code, del.stderr).toBe(0);
    const after = await cli(['datasets', 'get', datasetId]);
    expect(after.code).toBe(1);
  });
});
