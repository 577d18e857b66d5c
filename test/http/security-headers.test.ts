import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApi } from '../../src/http/plugins/docs.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';

/**
 * `X-Content-Type-Options: nosniff` on every answer of every route openapi.yaml documents
 * (success or problem), on unknown routes and on URLs refused before routing; a CSP without
 * framing on Swagger UI at /docs, which a real browser still renders under that policy.
 */
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function documentedRoutes(): Array<{ method: string; url: string }> {
  const spec = loadOpenApi() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(spec.paths).flatMap(([p, ops]) =>
    METHODS.filter((m) => ops[m]).map((m) => ({
      method: m.toUpperCase(),
      // Placeholders for path parameters: every route answers (a 4xx is an answer too).
      url: p.replace(/\{[^}]+\}/g, 'x0'),
    })),
  );
}

describe('security headers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  it('sends nosniff on every documented route', async () => {
    const routes = documentedRoutes();
    expect(routes.length).toBeGreaterThan(25);
    const missing: string[] = [];
    const http = api(ctx);
    for (const { method, url } of routes) {
      const m = method.toLowerCase() as (typeof METHODS)[number];
      const res = m === 'get' || m === 'delete' ? await http[m](url) : await http[m](url, {});
      if (res.headers['x-content-type-options'] !== 'nosniff')
        missing.push(`${method} ${url} (${res.status})`);
    }
    expect(missing).toEqual([]);
  });

  it('sends nosniff on unknown routes and URLs refused before routing', async () => {
    for (const url of ['/nothing-here', '/v1/datasets/%E0%A4%A']) {
      const res = await api(ctx).get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('puts a CSP without framing on Swagger UI', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs/json']) {
      const res = await api(ctx).get(url);
      const csp = String(res.headers['content-security-policy'] ?? '');
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toContain("'unsafe-eval'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it.skipIf(!hasChromium())('renders Swagger UI under that CSP in a real browser', async () => {
    // Chromium loads Swagger UI from a URL: the app listens on a port.
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (ctx.app.server.address() as AddressInfo).port;
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`http://127.0.0.1:${port}/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
      const title = await page.textContent('.swagger-ui .info .title');
      expect(title).toContain('Transfer-learning service');
      expect(await page.locator('.opblock').count()).toBeGreaterThan(25);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
