import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * Creating a job for a dataset and deleting that dataset at the same moment: exactly one of
 * them wins, every time. (Unserialised, both succeeded in about half the pairs and the job
 * failed later for want of its data.)
 */
describe('job creation vs dataset deletion', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    // No worker: queued jobs stay queued, so a queued job always means "in use".
    ctx = await buildTestApp();
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const csv = [
    'a,b,label',
    ...Array.from({ length: 40 }, (_, i) => `${i},${i % 3},${i % 2 ? 'x' : 'y'}`),
  ].join('\n');

  it('never lets both succeed, over 19 parallel pairs', async () => {
    for (let i = 0; i < 19; i++) {
      const ds = await http.uploadDataset(Buffer.from(csv), 'd.csv'); // expects 201
      const [job, del] = await Promise.all([
        http.post('/v1/jobs', { datasetId: ds.id, fit: { epochs: 1 }, evaluation: { method: 'holdout' } }),
        http.delete(`/v1/datasets/${ds.id}`),
      ]);
      if (job.status === 202) {
        expect(del.status, del.text).toBe(409);
      } else {
        expect(del.status).toBe(204);
        expect(job.status, job.text).toBeGreaterThanOrEqual(400);
        expect(job.status).toBeLessThan(500);
      }
    }
  });
});
