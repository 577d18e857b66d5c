import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * /metrics and the OpenAPI document are open by design (scrapers, readers of the contract);
 * METRICS_REQUIRE_KEY closes them behind the API keys, whatever the URL's spelling.
 */
const CLOSABLE = ['/metrics', '/docs/json', '/docs/yaml'];

describe('METRICS_REQUIRE_KEY', () => {
  let open: TestContext;
  let closed: TestContext;
  beforeAll(async () => {
    open = await buildTestApp({ API_KEYS: 'k1' });
    closed = await buildTestApp({ API_KEYS: 'k1', METRICS_REQUIRE_KEY: 'true' });
  });
  afterAll(async () => {
    await open?.close();
    await closed?.close();
  });

  it('leaves /metrics and the OpenAPI document open by default', async () => {
    for (const url of CLOSABLE) {
      expect((await api(open).get(url)).status, url).toBe(200);
    }
  });

  it('asks a key for them when set, and answers with one', async () => {
    for (const url of [...CLOSABLE, '/%6detrics', '/docs/%6Ason']) {
      const res = await api(closed).get(url);
      expect(res.status, url).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    for (const url of CLOSABLE) {
      const res = await api(closed, { key: 'k1' }).get(url);
      expect(res.status, url).toBe(200);
    }
  });

  it('keeps the probes open', async () => {
    expect((await api(closed).get('/healthz')).status).toBe(200);
  });

  it('refuses to start without API keys to require', () => {
    expect(() => loadConfig({ METRICS_REQUIRE_KEY: 'true' })).toThrow(/METRICS_REQUIRE_KEY: needs API_KEYS/);
  });
});
