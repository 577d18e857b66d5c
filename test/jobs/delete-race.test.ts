import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * Creating a job for a dataset and deleting that dataset at the same moment: exactly one of
 * them wins, every time. (Unserialised, both succeeded in about half the pairs and the job
 * failed later for want of its data.)
 */
describe('job creation vs dataset deletion', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // No worker: queued jobs stay queued, so a queued job always means "in use".
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  const csv = [
    'a,b,label',
    ...Array.from({ length: 40 }, (_, i) => `${i},${i % 3},${i % 2 ? 'x' : 'y'}`),
  ].join('\n');

  it('never lets both succeed, over 19 parallel pairs', async () => {
    for (let i = 0; i < 19; i++) {
      const ds = await request(ctx.app.server).post('/v1/datasets').attach('file', Buffer.from(csv), 'd.csv');
      expect(ds.status).toBe(201);
      const [job, del] = await Promise.all([
        ctx.app.inject({
          method: 'POST',
          url: '/v1/jobs',
          payload: { datasetId: ds.body.id, fit: { epochs: 1 }, evaluation: { method: 'holdout' } },
        }),
        ctx.app.inject({ method: 'DELETE', url: `/v1/datasets/${ds.body.id}` }),
      ]);
      if (job.statusCode === 202) {
        expect(del.statusCode, del.body).toBe(409);
      } else {
        expect(del.statusCode).toBe(204);
        expect(job.statusCode, job.body).toBeGreaterThanOrEqual(400);
        expect(job.statusCode).toBeLessThan(500);
      }
    }
  });
});
