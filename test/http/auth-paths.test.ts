import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalisedPath } from '../../src/lib/request-path.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-http.js';

/**
 * The API key is checked on the route that matched, so no spelling of a /v1 path reaches a
 * route without a key: every registered /v1 route, every segment percent-encoded in turn,
 * the absolute form, doubled slashes, dot segments and case.
 */

const KEY = 'k-spelling';

const pct = (c: string): string => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `/v1/datasets/ds_x` spelled every way a lenient router may still route. */
function spellings(path: string, port: number): string[] {
  const segments = path.split('/').slice(1);
  const out = new Set<string>([path]);
  segments.forEach((segment, i) => {
    const first = segment[0] ?? '';
    const encodedFirst = [...segments];
    encodedFirst[i] = pct(first) + segment.slice(1);
    out.add(`/${encodedFirst.join('/')}`);
    const upperEncoded = [...segments];
    upperEncoded[i] = pct(first).toUpperCase() + segment.slice(1);
    out.add(`/${upperEncoded.join('/')}`);
    const allEncoded = [...segments];
    allEncoded[i] = [...segment].map(pct).join('');
    out.add(`/${allEncoded.join('/')}`);
  });
  out.add(path.replace('/v1', '/v%31'));
  out.add(path.replace('/v1', '/%761'));
  out.add(path.replace('/v1', '/%2576%2531')); // double-encoded
  out.add(`http://127.0.0.1:${port}${path}`);
  out.add(`HTTP://localhost${path}`);
  out.add(`/${path}`);
  out.add(path.replaceAll('/', '//'));
  out.add(`/.${path}`);
  out.add(`/x/..${path}`);
  out.add(`/v1/..${path}`);
  out.add(path.replace('/v1', '/V1'));
  out.add(`${path}/`);
  out.add(`${path}?x=1`);
  return [...out];
}

describe('API keys are checked on the matched route, whatever the spelling', () => {
  let ctx: TestContext;
  let port: number;
  let apiRoutes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY });
    // Request targets sent byte for byte (absolute form, dot segments): only a raw socket does that.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
    apiRoutes = ctx.app.registeredRoutes
      .filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .map((r) => ({ method: r.method, path: r.url.replace(/:[A-Za-z]+/g, 'zz_unknown') }));
  });
  afterAll(() => ctx.close());

  it('finds the routes it checks', () => {
    // The suite would pass vacuously if the route list were empty.
    expect(apiRoutes.length).toBeGreaterThanOrEqual(19);
  });

  it('answers 401 to every spelling of every /v1 route without a key', async () => {
    const leaks: string[] = [];
    for (const route of apiRoutes) {
      for (const target of spellings(route.path, port)) {
        const res = await rawRequest(port, route.method, target);
        if (res.status !== 401) leaks.push(`${route.method} ${target} -> ${res.status}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('answers 401 with a wrong key too', async () => {
    const leaks: string[] = [];
    for (const route of apiRoutes) {
      for (const target of spellings(route.path, port)) {
        const res = await rawRequest(port, route.method, target, { authorization: 'Bearer nope' });
        if (res.status !== 401) leaks.push(`${route.method} ${target} -> ${res.status}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('lets a right key through to every route', async () => {
    for (const route of apiRoutes) {
      const res = await rawRequest(port, route.method, route.path, { authorization: `Bearer ${KEY}` });
      expect(res.status, `${route.method} ${route.path}`).not.toBe(401);
    }
  });

  it('leaves health and docs open in every spelling', async () => {
    for (const target of ['/healthz', '/%68ealthz', `http://127.0.0.1:${port}/healthz`, '/docs/json']) {
      expect((await rawRequest(port, 'GET', target)).status, target).toBe(200);
    }
  });

  it('never echoes a key sent in the query string', async () => {
    const res = await rawRequest(port, 'GET', '/v1/datasets?api_key=sekrit-value');
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('sekrit-value');
    expect(JSON.parse(res.body).instance).toBe('/v1/datasets');
  });
});

describe('rate limits count every spelling of a /v1 path', () => {
  let ctx: TestContext;
  let port: number;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY, RATE_LIMIT_PER_MINUTE: '3' });
    // Request targets sent byte for byte (absolute form, escapes): only a raw socket does that.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
  });
  afterAll(() => ctx.close());

  it('limits an encoded spelling once the budget is spent', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    for (let i = 0; i < 3; i++)
      expect((await rawRequest(port, 'GET', '/v1/datasets', auth)).status).toBe(200);
    for (const target of ['/%76%31/datasets', `http://127.0.0.1:${port}/v1/datasets`, '/v%31/datasets']) {
      expect((await rawRequest(port, 'GET', target, auth)).status, target).toBe(429);
    }
  });
});

describe('normalisedPath', () => {
  it('reads a path as a lenient router would', () => {
    expect(normalisedPath('/%76%31/datasets?x=1')).toBe('/v1/datasets');
    expect(normalisedPath('http://h:1/v1//x/./y/../z')).toBe('/v1/x/z');
    expect(normalisedPath('/%2576%2531')).toBe('/v1');
    expect(normalisedPath('/V1/%E0%A4%A')).toBe('/v1/%e0%a4%a');
    expect(normalisedPath('/../../etc')).toBe('/etc');
  });
});
