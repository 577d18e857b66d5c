import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

describe('HTTP basics: problems and auth', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: 'k-one,k-two' });
  });
  afterAll(() => ctx.close());

  it('answers unknown routes with a 404 problem', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/nope',
      headers: { authorization: 'Bearer k-one' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 404,
      title: 'Not found',
      detail: 'No route GET /nope',
      instance: '/nope',
    });
    expect(res.json().type).toMatch(/not-found$/);
  });

  it('requires a bearer key on /v1 routes', async () => {
    const missing = await ctx.app.inject({ method: 'GET', url: '/v1/anything' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ status: 401, detail: expect.stringMatching(/Missing API key/) });

    const wrong = await ctx.app.inject({
      method: 'GET',
      url: '/v1/anything',
      headers: { authorization: 'Bearer k-three' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe('Invalid API key');

    const basic = await ctx.app.inject({
      method: 'GET',
      url: '/v1/anything',
      headers: { authorization: 'Basic k-one' },
    });
    expect(basic.statusCode).toBe(401);

    // A right key passes auth and reaches routing (404: no such route).
    const right = await ctx.app.inject({
      method: 'GET',
      url: '/v1/anything',
      headers: { authorization: 'Bearer k-two' },
    });
    expect(right.statusCode).toBe(404);
  });

  it('keeps health, metrics and docs open', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });

  it('lists failing fields in validation problems', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz?deep=perhaps' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'query.deep' })]);
  });

  it('exposes request counts in Prometheus format', async () => {
    const text = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
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
    const boom = await request(app.server).get('/boom');
    expect(boom.status).toBe(500);
    expect(boom.body.detail).not.toMatch(/secret|postgres/);
    expect(boom.body).toMatchObject({ status: 500, title: 'Internal server error' });
    const typed = await request(app.server).get('/typed');
    expect(typed.status).toBe(400);
    expect(typed.body.errors).toEqual([{ path: 'body.fit.epochs', message: 'too big' }]);
    await app.close();
  });

  it('rejects malformed JSON bodies with a 400 problem', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/whatever',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    // No such route: 404 either way, but never a 500.
    expect([400, 404]).toContain(res.statusCode);
  });
});
