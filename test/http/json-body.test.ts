import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJsonShape } from '../../src/lib/json-shape.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

describe('JSON bodies are bounded in shape before they are parsed', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload: string) =>
    api(ctx).post(url, payload, { headers: { 'content-type': 'application/json' } });

  it('refuses 16 MB of nested arrays with a 400 naming the depth limit', async () => {
    const depth = 8 * 1024 * 1024 - 16;
    const body = '['.repeat(depth) + ']'.repeat(depth);
    const res = await post('/v1/jobs', body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/nested deeper than 32 levels/);
    // The service still answers at once afterwards.
    expect((await api(ctx).get('/healthz')).status).toBe(200);
  });

  it('refuses an over-long array with a 400 naming the array limit', async () => {
    const body = JSON.stringify({ instances: new Array(100_001).fill(0) });
    const res = await post('/v1/models/mdl_x/predict', body);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/array longer than 100000 elements/);
  });

  it('still parses ordinary bodies and reports malformed ones as bad JSON', async () => {
    const spec = await post('/v1/jobs', JSON.stringify({ datasetId: 'ds_missing' }));
    expect(spec.status).not.toBe(500);
    expect(spec.body.detail).not.toMatch(/nested|array longer/);
    const broken = await post('/v1/jobs', '{"datasetId": ');
    expect(broken.status).toBe(400);
    const poisoned = await post('/v1/jobs', '{"__proto__": {"x": 1}}');
    expect(poisoned.status).toBe(400);
  });
});

describe('checkJsonShape', () => {
  const limits = { maxDepth: 3, maxArrayLength: 3 };
  it('counts depth and array elements, ignoring brackets and commas in strings', () => {
    expect(checkJsonShape('[[[1]]]', limits)).toBeUndefined();
    expect(checkJsonShape('[[[[1]]]]', limits)).toMatchObject({ kind: 'depth', offset: 3 });
    expect(checkJsonShape('[1,2,3]', limits)).toBeUndefined();
    expect(checkJsonShape('[1,2,3,4]', limits)).toMatchObject({ kind: 'array-length' });
    expect(checkJsonShape('{"a":1,"b":2,"c":3,"d":4}', limits)).toBeUndefined();
    expect(checkJsonShape('["[[[[,,,,", "\\"[[[["]', limits)).toBeUndefined();
    expect(checkJsonShape('[[1,2,3],[1,2,3],[1,2,3]]', limits)).toBeUndefined();
  });
});
