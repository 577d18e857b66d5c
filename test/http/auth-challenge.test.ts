import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * Every 401 names the scheme to use (`WWW-Authenticate: Bearer realm=...`), and a key sent the
 * wrong way is answered as such, saying how to send it, rather than as missing.
 */

const KEY = 'k-challenge-0123';
const REALM = 'Bearer realm="transfer-learning"';

describe('401 answers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY });
  });
  afterAll(() => ctx.close());

  const get = (headers: Record<string, string> = {}, url = '/v1/datasets') => api(ctx).get(url, { headers });

  it('carry a Bearer challenge with the realm when no key came', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(REALM);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe('Missing API key: send it as "Authorization: Bearer <key>"');
  });

  it('say invalid_token for a wrong key', async () => {
    const res = await get({ authorization: 'Bearer not-the-key' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`);
    expect(res.body.detail).toBe('Invalid API key');
  });

  it.each([
    ['an X-API-Key header', { 'x-api-key': KEY }, /sent in an "x-api-key" header, which is not read/],
    ['the key alone in Authorization', { authorization: KEY }, /carries no "Bearer " before the key/],
    ['another scheme', { authorization: `Token ${KEY}` }, /sent with the "Token" scheme/],
    ['Basic', { authorization: `Basic ${KEY}` }, /sent with the "Basic" scheme/],
  ])('tell a key sent in %s how to send it', async (_how, headers, message) => {
    const res = await get(headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`);
    const body = res.body;
    expect(body.detail).toMatch(message);
    expect(body.detail).toMatch(/send it as "Authorization: Bearer <key>"$/);
    expect(body.detail).not.toMatch(/missing/i);
    expect(res.text).not.toContain(KEY);
  });

  it('tell a key sent in the query string how to send it, never echoing it', async () => {
    const res = await get({}, `/v1/datasets?api_key=${KEY}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/sent in the query string \("api_key"\), which is not read/);
    expect(res.text).not.toContain(KEY);
  });

  it('call "Bearer" with nothing after it missing (an unset $KEY)', async () => {
    const res = await get({ authorization: 'Bearer ' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(REALM);
    expect(res.body.detail).toMatch(/^Missing API key: "Authorization: Bearer" came with no key after it/);
  });

  it('let the right key through, with no challenge', async () => {
    const res = await get({ authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});
