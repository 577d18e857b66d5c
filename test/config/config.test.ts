import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';

describe('configuration', () => {
  it('has working defaults and binds to loopback without API keys', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.ROLE).toBe('all');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.API_KEYS).toEqual([]);
    expect(c.EVALUATION_MAX_COST).toBe(15);
  });

  it('binds to all interfaces once API keys are set, unless HOST says otherwise', () => {
    expect(loadConfig({ API_KEYS: 'a, b ,' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ API_KEYS: 'a,b' }).API_KEYS).toEqual(['a', 'b']);
    expect(loadConfig({ API_KEYS: 'a', HOST: '10.1.2.3' }).HOST).toBe('10.1.2.3');
  });

  it('fails fast naming every bad variable', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        ROLE: 'boss',
        REDIS_URL: 'not a url',
        WORKER_CONCURRENCY: '0',
        EVALUATION_MAX_COST: '0.5',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const vars = (err as ConfigError).issues.map((i) => i.variable).sort();
    expect(vars).toEqual(['EVALUATION_MAX_COST', 'PORT', 'REDIS_URL', 'ROLE', 'WORKER_CONCURRENCY']);
    expect((err as ConfigError).message).toMatch(/PORT: /);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', TFJS_BACKEND: '' }).PORT).toBe(3000);
  });

  it('parses booleans strictly', () => {
    expect(loadConfig({ EMBEDDED_REDIS: 'false' }).EMBEDDED_REDIS).toBe(false);
    expect(() => loadConfig({ EMBEDDED_REDIS: 'maybe' })).toThrow(/EMBEDDED_REDIS/);
  });
});

describe('configToEnv', () => {
  it('round-trips through loadConfig', async () => {
    const { configToEnv } = await import('../../src/config/env.js');
    const c = loadConfig({
      API_KEYS: 'a,b',
      PORT: '8080',
      EMBEDDED_REDIS: 'false',
      PREDICT_MAX_WAIT_MS: '1.5',
    });
    expect(loadConfig(configToEnv(c))).toEqual(c);
  });
});
