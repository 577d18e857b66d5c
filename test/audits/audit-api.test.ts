import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, trainToEnd, waitFor, type TestContext } from '../helpers/app.js';
import { uploadDataset } from '../helpers/advisor-fixtures.js';
import { faultyDigits } from '../helpers/audit-fixtures.js';
import { tabularCsv } from '../helpers/ingest-latency.js';

/**
 * The whole path through the API and a real worker: upload, audit (progress over SSE), fix the
 * findings in a version with one request, train on the version; and bad requests answered.
 */
describe('audits through the API', () => {
  let ctx: TestContext;
  const api = () => request(ctx.app.server);

  beforeAll(async () => {
    ctx = await buildTestApp();
    ctx.startWorker();
  }, 60_000);
  afterAll(() => ctx.close());

  const auditToEnd = async (datasetId: string, body: Record<string, unknown> = {}) => {
    const res = await api().post(`/v1/datasets/${datasetId}/audits`).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.location).toBe(`/v1/audits/${res.body.id}`);
    return waitFor(
      async () => {
        const a = (await api().get(`/v1/audits/${res.body.id}`)).body;
        return ['completed', 'failed', 'cancelled'].includes(a.state) ? a : undefined;
      },
      400_000,
      250,
    );
  };

  it('audits digits, fixes them in a version and trains on it', async () => {
    const data = await faultyDigits({
      digits: [0, 1, 7],
      perClass: 12,
      valPerClass: 3,
      flipRate: 0.1,
      seed: 2,
    });
    const ds = await uploadDataset(ctx, data.zip, 'digits');
    const res = await api().post(`/v1/datasets/${ds}/audits`).send({});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // Progress and the end arrive over SSE.
    const sse = await api()
      .get(`/v1/audits/${res.body.id}/events`)
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => cb(null, text));
      });
    expect(sse.text ?? sse.body).toMatch(/event: end/);
    const audit = (await api().get(`/v1/audits/${res.body.id}`).expect(200)).body;
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
    const version = (
      await api()
        .post(`/v1/datasets/${ds}/versions`)
        .send({ relabel, exclude, auditId: audit.id })
        .expect(201)
    ).body;
    expect(version.parent.auditId).toBe(audit.id);
    expect(version.examples).toBe(data.paths.length - exclude.length);

    const { model } = await trainToEnd(ctx, {
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
    const res = await api().post('/v1/datasets').attach('file', tabularCsv(60, 4), 'rows.csv').expect(201);
    const ds = res.body.id as string;
    if (res.body.task !== 'classification') return;
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
    const ds = await uploadDataset(ctx, data.zip, 'tiny');
    const missing = await api().post('/v1/datasets/ds_0000000000000000/audits').send({}).expect(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const bad = await api()
      .post(`/v1/datasets/${ds}/audits`)
      .send({ base: { baseModelId: 'bm_0000000000000000' } })
      .expect(400);
    expect(bad.body.errors[0].path).toBe('body.base.baseModelId');
    const threshold = await api()
      .post(`/v1/datasets/${ds}/audits`)
      .send({ nearDuplicateThreshold: 2 })
      .expect(400);
    expect(threshold.body.errors[0].path).toMatch(/nearDuplicateThreshold/);
    // A cancelled audit ends as cancelled and frees its dataset.
    const queued = await api().post(`/v1/datasets/${ds}/audits`).send({}).expect(202);
    const cancelled = await api().post(`/v1/audits/${queued.body.id}/cancel`).expect(200);
    expect(cancelled.body.state).toBe('cancelled');
    await waitFor(async () => (await api().delete(`/v1/datasets/${ds}`)).status === 204, 60_000, 250);
    await api().get('/v1/audits/aud_0000000000000000').expect(404);
    await api().get('/v1/audits/nope').expect(400);
  }, 120_000);
});
