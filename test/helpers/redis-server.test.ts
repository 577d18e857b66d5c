import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { privateRedis } from './redis-server.js';

/** Whether anything accepts a connection on the URL's port. */
function listening(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(Number(new URL(url).port), '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** `npm test` must leave no redis-server behind: the outage tests restart theirs in afterAll. */
describe('privateRedis', () => {
  it('stops its server on cleanup, even after start() while it was running', async () => {
    const redis = await privateRedis();
    await redis.start();
    await redis.start(); // what the outage tests' afterAll does when the test restarted it
    expect(await listening(redis.url)).toBe(true);
    await redis.cleanup();
    expect(await listening(redis.url)).toBe(false);
  });

  it('stops the server a restart started', async () => {
    const redis = await privateRedis();
    await redis.start();
    await redis.stop();
    expect(await listening(redis.url)).toBe(false);
    await redis.start();
    await redis.cleanup();
    expect(await listening(redis.url)).toBe(false);
  });
});
