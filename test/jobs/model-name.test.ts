import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNameProblem } from '../../src/contracts/model-name.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** The job spec takes exactly the model names the save step takes: refused at creation, not after training. */
describe('model names in job specs', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  const refusedBySave = ['-lead', '.dot', '_under', 'x'.repeat(100), 'm_0123456789abcdef', 'a/b', '..'];

  it.each(refusedBySave)('refuses %s with a 400 on body.modelName', async (name) => {
    expect(modelNameProblem(name)).toBeDefined();
    const res = await http.post('/v1/jobs', { datasetId: 'ds_0123456789abcdef', modelName: name });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body.modelName' })]),
    );
  });

  it('accepts a name the save step accepts (then fails on the missing dataset, not the name)', async () => {
    const res = await http.post('/v1/jobs', {
      datasetId: 'ds_0123456789abcdef',
      modelName: 'flowers-v2.1_x',
    });
    expect(res.status).not.toBe(202);
    const paths = ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);
    expect(paths).not.toContain('body.modelName');
  });
});
