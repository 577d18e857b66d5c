import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-http.js';

/** Requests refused before routing still get problem+json, never Fastify's or Node's own bodies. */
describe('malformed requests', () => {
  let ctx: TestContext;
  let port: number;
  beforeAll(async () => {
    ctx = await buildTestApp();
    // Refused before routing by Node's HTTP parser (bad request line, 431): needs a real socket.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
  });
  afterAll(() => ctx.close());

  const cases: Array<[string, string, Record<string, string>, number]> = [
    ['a percent-escape that does not decode', '/v1/datasets/%zz', {}, 400],
    ['a truncated UTF-8 escape', '/v1/models/%E0%A4%A/predict', {}, 400],
    ['a path parameter past the limit', `/v1/datasets/${'a'.repeat(200)}`, {}, 414],
    ['a malformed request line', '/x y z', {}, 400],
    ['oversized headers', '/v1/datasets', { 'x-big': 'a'.repeat(20_000) }, 431],
  ];

  it.each(cases)('%s', async (_what, target, headers, status) => {
    const res = await rawRequest(port, 'GET', target, headers);
    expect(res.status).toBe(status);
    expect(res.head).toMatch(/content-type: application\/problem\+json/i);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect(body.type).toMatch(/^urn:transfer-learning:problem:/);
  });
});
