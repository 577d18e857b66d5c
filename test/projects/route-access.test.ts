import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import authPlugin from '../../src/http/plugins/auth.js';
import { KeyRing } from '../../src/projects/key-ring.js';

/** Every API route must name the role it needs (src/http/route-access.ts), or the app does not start. */
describe('the role table', () => {
  it('refuses an API route that names no role, and accepts open routes and listed ones', async () => {
    const app = Fastify();
    await app.register(authPlugin, { keys: new KeyRing({ apiKeys: ['k'] }) });
    expect(() => app.get('/healthz-like', async () => 'ok')).not.toThrow();
    expect(() => app.get('/v1/datasets', async () => 'ok')).not.toThrow();
    expect(() => app.post('/v1/unlisted', async () => 'ok')).toThrow(
      /POST \/v1\/unlisted has no role in src\/http\/route-access\.ts/,
    );
    await app.close();
  });
});
