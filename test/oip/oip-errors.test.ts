import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/http/openapi-schemas.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { KEY, auth, oipClient, saveOipModels, type OipModels } from './oip-fixtures.js';
import { expectOipError, expectShape } from './oip-schemas.js';

/**
 * Open Inference Protocol errors through the real HTTP stack: the protocol's `{ "error" }`
 * object with the right status for bad requests, missing keys and the rate limit.
 */

describe('Open Inference Protocol errors and auth', () => {
  let ctx: TestContext;
  let m: OipModels;
  const { get, infer, b64 } = oipClient(() => ctx.app);

  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY, PREDICT_MAX_INSTANCES: '8', PREDICT_THREADS: '1' });
    m = await saveOipModels(ctx);
  });
  afterAll(async () => {
    m?.trained.dispose();
    await ctx?.close();
  });

  it('serves server metadata behind the API key', async () => {
    const res = await get('/v2');
    expect(res.status).toBe(200);
    expectShape('OipServerMetadata', res.body);
    expect(res.body).toEqual({
      name: 'transfer-learning-service',
      version: packageVersion(),
      extensions: [],
    });

    const none = await get('/v2', {});
    expectOipError(none, 401, 'Missing API key');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="transfer-learning"');
    expectOipError(await get('/v2', { authorization: 'Bearer wrong' }), 401, 'Invalid API key');
    expectOipError(await infer('colours', { inputs: [] }, {}), 401);
    // An unknown /v2 path is not revealed without a key, and is a 404 in the protocol's shape with one.
    expectOipError(await get('/v2/nothing-here', {}), 401);
    expectOipError(await get('/v2/nothing-here'), 404, 'No route GET /v2/nothing-here');
  });

  it('refuses bad requests with the protocol error object, naming what is wrong', async () => {
    const image = (over: Record<string, unknown>) => ({
      inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)), ...over }],
    });
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, 'inputs'],
      [{ inputs: [] }, 400, 'inputs'],
      [image({ datatype: 'FLOAT' }), 400, 'datatype'],
      [
        image({ name: 'pixels' }),
        400,
        "no input named 'pixels': this model takes 'input' (FP32 [-1, 8, 8, 3]) or 'image'",
      ],
      [image({ datatype: 'FP32' }), 400, "input 'image' is BYTES, not FP32"],
      [image({ shape: [1, 1] }), 400, "input 'image' has shape [1, 1]; this model takes [-1]"],
      [image({ shape: [2] }), 400, "input 'image': data holds 1 elements; shape [2] needs 2"],
      [image({ shape: [0], data: [] }), 400, 'holds no instances'],
      [image({ data: [3] }), 400, 'element 0 is not a string; BYTES elements are a base64-encoded image'],
      [image({ data: ['%%%'] }), 400, 'image[0]: "b64" is not valid base64'],
      [image({ data: [Buffer.from('not an image').toString('base64')] }), 422, 'image[0]'],
      [image({ shape: [9], data: b64(Array(9).fill(m.png[0])) }), 413, 'at most 8 are accepted'],
      [
        { inputs: [{ name: 'input', shape: [1, 8, 8, 1], datatype: 'FP32', data: Array(64).fill(0) }] },
        400,
        "input 'input' has shape [1, 8, 8, 1]; this model takes [-1, 8, 8, 3]",
      ],
      [
        {
          inputs: [
            { name: 'input', shape: [1, 8, 8, 3], datatype: 'FP32', data: [...Array(191).fill(0), 'x'] },
          ],
        },
        400,
        'element 191 is not a finite number',
      ],
      [
        {
          inputs: [
            { name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)) },
            { name: 'image', shape: [1], datatype: 'BYTES', data: b64(m.png.slice(0, 1)) },
          ],
        },
        400,
        'this model takes one input tensor',
      ],
      [{ ...image({}), parameters: { acceptRate: 0.5 } }, 400, 'no novelty score'],
      [{ ...image({}), parameters: { unknownThreshold: 'high' } }, 400, 'unknownThreshold must be a number'],
    ];
    for (const [payload, status, contains] of cases) {
      const res = await infer('colours', payload);
      expectOipError(res, status, contains);
    }
    expectOipError(await infer('nope', image({})), 404, "model 'nope' not found");
    expectOipError(await infer('colours/versions/3', image({})), 404, 'has no version 3');
    const malformed = await api(ctx).post('/v2/models/colours/infer', '{"inputs": [', {
      headers: { ...auth, 'content-type': 'application/json' },
    });
    expectOipError(malformed, 400);
  });
});

describe('Open Inference Protocol under the rate limit', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => ctx?.close());

  it('shares the per-caller budget with /v1 and answers 429 as a protocol error; probes stay open', async () => {
    const http = api(ctx);
    expect((await http.get('/v1/models')).status).toBe(200);
    expect((await http.get('/v2')).status).toBe(200);
    const over = await http.get('/v2/models/any/ready');
    expectOipError(over, 429, 'rate limit of 2 requests per minute exceeded');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      expect((await http.get('/v2/health/live')).status).toBe(200);
      expect((await http.get('/v2/health/ready')).status).toBe(200);
    }
  });
});
