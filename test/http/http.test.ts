import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

describe('HTTP basics: problems and auth', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: 'k-one,k-two' });
  });
  afterAll(() => ctx.close());

  it('answers unknown routes with a 404 problem', async () => {
    const res = await api(ctx, { key: 'k-one' }).get('/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 404,
      title: 'Not found',
      detail: 'No route GET /nope',
      instance: '/nope',
    });
    expect(res.body.type).toMatch(/not-found$/);
  });

  it('requires a bearer key on /v1 routes', async () => {
    const missing = await api(ctx).get('/v1/anything');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 401, detail: expect.stringMatching(/Missing API key/) });

    const wrong = await api(ctx, { key: 'k-three' }).get('/v1/anything');
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe('Invalid API key');

    const basic = await api(ctx).get('/v1/anything', { headers: { authorization: 'Basic k-one' } });
    expect(basic.status).toBe(401);

    // A right key passes auth and reaches routing (404: no such route).
    const right = await api(ctx, { key: 'k-two' }).get('/v1/anything');
    expect(right.status).toBe(404);
  });

  it('keeps health, metrics and docs open', async () => {
    expect((await api(ctx).get('/healthz')).status).toBe(200);
    expect((await api(ctx).get('/metrics')).status).toBe(200);
    expect((await api(ctx).get('/docs/json')).status).toBe(200);
  });

  it('lists failing fields in validation problems', async () => {
    const res = await api(ctx).get('/readyz?deep=perhaps');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'query.deep' })]);
  });

  it('exposes request counts in Prometheus format', async () => {
    const text = (await api(ctx).get('/metrics')).text;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(/^jobs\{state="waiting"\} 0$/m);
  });
});

describe('HTTP basics: errors thrown by routes', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  it('never leaks internals in a 500, and maps typed errors', async () => {
    // A fresh app, so routes can be added before it is ready.
    const { buildApp } = await import('../../src/http/app.js');
    const app = await buildApp(ctx.runtime);
    app.get('/boom', async () => {
      throw new Error('secret connection string postgres://u:p@db');
    });
    app.get('/typed', async () => {
      throw new ValidationError('spec is wrong', {
        errors: [{ path: 'body.fit.epochs', message: 'too big' }],
      });
    });
    await app.ready();
    const boom = await api(app).get('/boom');
    expect(boom.status).toBe(500);
    expect(boom.body.detail).not.toMatch(/secret|postgres/);
    expect(boom.body).toMatchObject({ status: 500, title: 'Internal server error' });
    const typed = await api(app).get('/typed');
    expect(typed.status).toBe(400);
    expect(typed.body.errors).toEqual([{ path: 'body.fit.epochs', message: 'too big' }]);
    await app.close();
  });

  it('rejects malformed JSON bodies with a 400 problem', async () => {
    const res = await api(ctx).post('/v1/whatever', '{"a":', {
      headers: { 'content-type': 'application/json' },
    });
    // No such route: 404 either way, but never a 500.
    expect([400, 404]).toContain(res.status);
  });
});
