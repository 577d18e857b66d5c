import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { faultyDigits } from '../helpers/audit-fixtures.js';
import { tabularCsv } from '../helpers/ingest-latency.js';

/**
 * The whole path through the API and a real worker: upload, audit (progress over SSE), fix the
 * findings in a version with one request, train on the version; and bad requests answered.
 */
describe('audits through the API', () => {
  let ctx: TestContext;
  let http: Api;
  let base: string;

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    // The audit's event stream is read over a socket, as a client reads it.
    base = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    ctx.startWorker();
  }, 60_000);
  afterAll(() => ctx.close());

  const auditToEnd = async (datasetId: string, body: Record<string, unknown> = {}) => {
    const res = await http.post(`/v1/datasets/${datasetId}/audits`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.location).toBe(`/v1/audits/${res.body.id}`);
    return http.waitForState(`/v1/audits/${res.body.id}`, { timeoutMs: 400_000 });
  };

  it('audits digits, fixes them in a version and trains on it', async () => {
    const data = await faultyDigits({
      digits: [0, 1, 7],
      perClass: 12,
      valPerClass: 3,
      flipRate: 0.1,
      seed: 2,
    });
    const ds = (await http.uploadDataset(data.zip, 'digits.zip', { name: 'digits' })).id;
    const res = await http.post(`/v1/datasets/${ds}/audits`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // Progress and the end arrive over SSE.
    const sse = await fetch(`${base}/v1/audits/${res.body.id}/events`);
    expect(await sse.text()).toMatch(/event: end/);
    const got = await http.get(`/v1/audits/${res.body.id}`);
    expect(got.status).toBe(200);
    const audit = got.body;
    expect(audit.state, audit.error).toBe('completed');
    expect(audit.base).toHaveProperty('baseModelId');
    expect(audit.features.cutAt).toBeTruthy();
    expect(audit.summary.examples).toBe(data.paths.length);
    expect(audit.summary.counts.leak).toBeGreaterThanOrEqual(1);
    expect(audit.findings.length).toBeGreaterThan(0);
    for (const f of audit.findings) expect(f.reason.length).toBeGreaterThan(10);

    // One request fixes it: relabel what the audit suggests, exclude copies and outliers.
    const relabel = audit.findings
      .filter((f: { kind: string }) => f.kind === 'label')
      .map((f: { exampleId: string; suggestedLabel: string }) => ({
        exampleId: f.exampleId,
        label: f.suggestedLabel,
      }));
    const relabelled = new Set(relabel.map((r: { exampleId: string }) => r.exampleId));
    const exclude = [
      ...new Set(
        audit.findings
          .filter(
            (f: { kind: string; exampleId: string }) => f.kind !== 'label' && !relabelled.has(f.exampleId),
          )
          .map((f: { exampleId: string }) => f.exampleId),
      ),
    ];
    const created = await http.post(`/v1/datasets/${ds}/versions`, { relabel, exclude, auditId: audit.id });
    expect(created.status).toBe(201);
    const version = created.body;
    expect(version.parent.auditId).toBe(audit.id);
    expect(version.examples).toBe(data.paths.length - exclude.length);

    const { model } = await http.trainToEnd({
      datasetId: version.id,
      head: [{ type: 'flatten' }],
      input: { size: [28, 28], channels: 1 },
      fit: { epochs: 2, batchSize: 16 },
      seed: 1,
    });
    expect(model.lineage.datasetId).toBe(version.id);
    expect(model.lineage.datasetParentId).toBe(ds);
  }, 900_000);

  it('audits a table on its own columns', async () => {
    const dataset = await http.uploadDataset(tabularCsv(60, 4), 'rows.csv');
    const ds = dataset.id as string;
    if (dataset.task !== 'classification') return;
    const audit = await auditToEnd(ds);
    expect(audit.state, audit.error).toBe('completed');
    expect(audit.base).toBeNull();
    expect(audit.features.dim).toBe(4);
  }, 300_000);

  it('answers bad requests with a problem naming the field', async () => {
    const data = await faultyDigits({
      digits: [0, 1],
      perClass: 4,
      valPerClass: 0,
      flipRate: 0,
      seed: 2,
      copies: 0,
    });
    const ds = (await http.uploadDataset(data.zip, 'tiny.zip', { name: 'tiny' })).id;
    const missing = await http.post('/v1/datasets/ds_0000000000000000/audits', {});
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const bad = await http.post(`/v1/datasets/${ds}/audits`, {
      base: { baseModelId: 'bm_0000000000000000' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.base.baseModelId');
    const threshold = await http.post(`/v1/datasets/${ds}/audits`, { nearDuplicateThreshold: 2 });
    expect(threshold.status).toBe(400);
    expect(threshold.body.errors[0].path).toMatch(/nearDuplicateThreshold/);
    // A cancelled audit ends as cancelled and frees its dataset.
    const queued = await http.post(`/v1/datasets/${ds}/audits`, {});
    expect(queued.status).toBe(202);
    const cancelled = await http.post(`/v1/audits/${queued.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    await waitFor(async () => (await http.delete(`/v1/datasets/${ds}`)).status === 204, 60_000, 250);
    expect((await http.get('/v1/audits/aud_0000000000000000')).status).toBe(404);
    expect((await http.get('/v1/audits/nope')).status).toBe(400);
  }, 120_000);
});
