import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrainingJob } from '../../src/jobs/run-training-job.js';
import { parseJobSpec } from '../../src/contracts/job-spec.js';
import { newId } from '../../src/lib/ids.js';
import type { TrainJobProgress } from '../../src/queue/queues.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * A job publishes one model however many attempts run it: a retry after the model was
 * published records it instead of training again, and two attempts at once (a lock lost in a
 * Redis outage) publish one model and one version.
 */
describe('exactly-once publication', () => {
  let ctx: TestContext;
  let datasetId: string;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    ctx = await buildTestApp();
    const rows = [
      'a,b,label',
      ...Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'x' : 'y'}`),
    ];
    const ds = await api(ctx).uploadDataset(Buffer.from(rows.join('\n')), 'd.csv'); // expects 201
    datasetId = ds.id;
  });
  afterAll(() => ctx.close());

  const attempt = (jobId: string, phases: string[]) =>
    runTrainingJob({
      store: ctx.runtime.store,
      jobId,
      payload: {
        datasetId,
        spec: parseJobSpec({
          datasetId,
          fit: { epochs: 1, batchSize: 16 },
          modelName: 'once',
          seed: 1,
          evaluation: { method: 'holdout' },
        }),
      },
      backend: 'test',
      log,
      report: (p: TrainJobProgress) => void phases.push(p.phase ?? ''),
    });

  const published = async () => {
    const models = await ctx.runtime.store.collection('models').ids();
    const versions = await readdir(path.join(ctx.dataDir, '.model-versions', 'once')).catch(
      (): string[] => [],
    );
    return { models, versions };
  };

  it('a retry finds the published model and records it without training', async () => {
    const jobId = newId('job');
    const first: string[] = [];
    const a = await attempt(jobId, first);
    expect(first).toContain('saving');
    const retry: string[] = [];
    const b = await attempt(jobId, retry);
    expect(b.modelId).toBe(a.modelId);
    expect(retry).toEqual([]);
    expect(await published()).toEqual({ models: [a.modelId], versions: ['1'] });
  });

  it('two attempts at once publish one model and one version', async () => {
    const jobId = newId('job');
    const before = await published();
    const [a, b] = await Promise.all([attempt(jobId, []), attempt(jobId, [])]);
    expect(a.modelId).toBe(b.modelId);
    const after = await published();
    expect(after.models.filter((m) => !before.models.includes(m))).toEqual([a.modelId]);
    // One new version (the loser's claim is given back; its number is not reissued).
    const added = after.versions.filter((v) => !before.versions.includes(v));
    expect(added).toHaveLength(1);
    const listed = (await api(ctx).get('/v1/models')).body.items as Array<{
      id: string;
      name?: string;
      version?: number;
    }>;
    expect(listed.filter((m) => m.name === 'once').map((m) => m.version)).toEqual([Number(added[0]), 1]);
  });
});
