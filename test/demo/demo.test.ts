import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoError, runDemo, type DemoOptions } from '../../scripts/demo.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * `npm run demo` against the real service listening on a port: the demo only talks HTTP, so
 * this is the path an outside client takes (uploads, jobs over SSE, lineage, /predict).
 */

const KEY = 'demo-test-key';
const small: DemoOptions = {
  sourcePerClass: 20,
  sourceEpochs: 2,
  perClass: 3,
  epochs: 3,
  draws: 2,
  heldOutPerClass: 10,
  textPerClass: 8,
  textHeldOutPerClass: 8,
  apiKey: KEY,
};

let ctx: TestContext;
let baseUrl: string;

beforeAll(async () => {
  ctx = await buildTestApp({ JOB_ATTEMPTS: '1', API_KEYS: KEY });
  ctx.startWorker();
  // The demo is an outside HTTP client (fetch, SSE): the service listens on a port.
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
});
afterAll(() => ctx?.close());

const authed = async (url: string) => (await api(ctx, { key: KEY }).get(url)).body;

describe('npm run demo', () => {
  it('trains a source CNN, transfers it and compares with from scratch, all over HTTP', async () => {
    const lines: string[] = [];
    const result = await runDemo({ ...small, baseUrl, log: (l) => lines.push(l) });

    expect(result.rows.map((r) => [r.kind, r.draw])).toEqual([
      ['source', undefined],
      ['transfer', 1],
      ['scratch', 1],
      ['transfer', 2],
      ['scratch', 2],
    ]);
    const source = result.rows[0]!;
    for (const r of result.rows) {
      expect(r.heldOutAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.heldOutAccuracy).toBeLessThanOrEqual(1);
      expect(r.heldOutExamples).toBe(50);
      expect(r.trainMs).toBeGreaterThan(0);
      expect(r.predictPerSec).toBeGreaterThan(0);
      expect(r.modelId).toMatch(/^m_/);
    }
    // The claims the demo prints are the service's own records.
    for (const [i, r] of result.rows.filter((x) => x.kind === 'transfer').entries()) {
      expect(result.transferBases[i]).toEqual({ modelId: source.modelId });
      const meta = await authed(`/v1/models/${r.modelId}`);
      expect(meta.labels).toEqual(['5', '6', '7', '8', '9']);
      expect(meta.lineage).toMatchObject({
        jobId: r.jobId,
        datasetId: result.datasets.targets[i],
        base: { modelId: source.modelId },
      });
      expect(meta.lineage.spec).toMatchObject({ cutAt: 'features', freeze: 'all' });
    }
    for (const r of result.rows.filter((x) => x.kind === 'scratch')) {
      const meta = await authed(`/v1/models/${r.modelId}`);
      expect(meta.lineage.base ?? null).toBeNull();
      expect(meta.evaluation.method).not.toBe('cross-validation');
      expect(r.estimate).toBeUndefined();
    }
    // The transfer jobs cross-validate (3 per class: 3 folds) and the demo shows their own estimate.
    for (const r of result.rows.filter((x) => x.kind === 'transfer')) {
      const ev = (await authed(`/v1/models/${r.modelId}`)).evaluation;
      expect(ev).toMatchObject({ method: 'cross-validation', folds: 3, examples: 15 });
      expect(r.estimate).toEqual({
        accuracy: ev.accuracy,
        low: ev.accuracyInterval.low,
        high: ev.accuracyInterval.high,
        examples: 15,
        folds: 3,
      });
    }
    const covered = result.rows.filter(
      (r) => r.estimate && r.estimate.low <= r.heldOutAccuracy && r.heldOutAccuracy <= r.estimate.high,
    ).length;
    expect(result.comparison.estimates).toEqual({ draws: 2, covered });
    expect(result.conclusion).toContain(`interval held its held-out accuracy in ${covered} of 2 draws`);
    expect(lines.filter((l) => l.startsWith('  cross-validated estimate: '))).toHaveLength(2);
    // The text part: transfer from USE lite and from scratch on real mails, scored via /predict.
    expect(result.text?.rows.map((r) => r.model)).toEqual([
      'transfer (USE lite, frozen)',
      'from scratch (embedding)',
    ]);
    for (const r of result.text?.rows ?? []) {
      expect(r.heldOutAccuracy).toBeGreaterThanOrEqual(0);
      expect((await authed(`/v1/models/${r.modelId}`)).preprocessing.kind).toBe('text');
    }
    const job = await authed(`/v1/jobs/${source.jobId}`);
    expect(source.trainMs).toBe(Date.parse(job.finishedAt) - Date.parse(job.startedAt));

    // One progress line per epoch of every job, followed over Server-Sent Events.
    expect(lines.filter((l) => /^ {2}epoch +\d+\/2 /.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^ {2}epoch +\d+\/3 /.test(l))).toHaveLength(3 * 4);

    const table = result.table.split('\n');
    expect(table[0]).toMatch(
      /^model +digits +draw +examples\/class +epochs +held-out accuracy +job estimate \(95%\)/,
    );
    expect(table.filter((l) => l.startsWith('transfer (frozen)'))).toHaveLength(3); // 2 draws + mean
    expect(table.filter((l) => l.startsWith('from scratch'))).toHaveLength(3);
    expect(result.comparison.transfer.accuracies).toEqual([
      result.rows[1]!.heldOutAccuracy,
      result.rows[3]!.heldOutAccuracy,
    ]);
    expect(result.conclusion).toMatch(/^With 3 examples per class, /);
    expect(lines).toContain(result.table);
    // Generous: the transfer jobs now cross-validate, on 2 cores shared with other work.
  }, 120_000);

  it('fails with the job and its state when a job does not complete', async () => {
    let cancelled: Promise<unknown> | undefined;
    const run = runDemo({
      ...small,
      sourceEpochs: 100,
      baseUrl,
      log: (l) => {
        const id = /^job (job_\w+):/.exec(l)?.[1];
        if (id && !cancelled) {
          cancelled = api(ctx, { key: KEY }).post(`/v1/jobs/${id}/cancel`);
        }
      },
    });
    await expect(run).rejects.toThrow(/job job_\w+ \(source CNN on digits 0-4, 100 epochs\) ended cancelled/);
    expect((await (cancelled as Promise<{ status: number }>)).status).toBe(200);
  }, 30_000);

  it('says what is wrong when the API key is missing or the service is not there', async () => {
    await expect(runDemo({ ...small, apiKey: undefined, baseUrl })).rejects.toThrow(
      /POST \/v1\/datasets answered 401: .*Missing API key.*DEMO_API_KEY/,
    );

    const closed = await freePort();
    const err = await runDemo({ ...small, baseUrl: `http://127.0.0.1:${closed}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoError);
    expect((err as Error).message).toMatch(
      /cannot reach the service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );

    await expect(runDemo({ ...small, perClass: 300, draws: 3, baseUrl })).rejects.toThrow(
      /examples per class x draws \(900\) \+ held-out per class \(10\) must be at most 863/,
    );
  });

  it('exits non-zero from the command line with the reason on stderr', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      env: { ...process.env, DEMO_URL: `http://127.0.0.1:${port}`, DEMO_PER_CLASS: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^demo failed: cannot reach the service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );

    const bad = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      env: { ...process.env, DEMO_URL: `http://127.0.0.1:${port}`, DEMO_EPOCHS: 'lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let badErr = '';
    bad.stderr.on('data', (c: Buffer) => (badErr += c.toString()));
    expect(await new Promise((resolve) => bad.on('close', resolve))).toBe(1);
    expect(badErr).toMatch(/DEMO_EPOCHS must be a whole number, got "lots"/);
  });
});

/** A port nothing listens on: bound, read, released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
