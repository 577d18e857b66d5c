import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** X-Forwarded-For is believed only from proxies the operator names (TRUST_PROXY). */
describe('client address behind proxies', () => {
  let ctx: TestContext | undefined;
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  const burst = async (c: TestContext) => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api(c).get('/v1/datasets', { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      statuses.push(res.status);
    }
    return statuses;
  };

  it('ignores a made-up X-Forwarded-For by default: one budget per real peer', async () => {
    ctx = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    expect(await burst(ctx)).toEqual([200, 200, 429, 429]);
  });

  it('believes X-Forwarded-For from a trusted proxy address', async () => {
    ctx = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' });
    expect(await burst(ctx)).toEqual([200, 200, 200, 200]);
  });

  it('parses TRUST_PROXY and names a bad value', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });
});
