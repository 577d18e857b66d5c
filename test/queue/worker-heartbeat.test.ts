import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';

/** The worker's liveness signal (its container health check reads the file's age). */
describe('worker heartbeat', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  it('keeps its heartbeat file fresh while it runs, and stops when it closes', async () => {
    const file = path.join(ctx.dataDir, 'heartbeat');
    const worker = ctx.startWorker({ WORKER_HEARTBEAT_FILE: file, WORKER_HEARTBEAT_MS: '100' });
    const first = await waitFor(
      () =>
        stat(file).then(
          (s) => s.mtimeMs,
          () => undefined,
        ),
      5_000,
    );
    const later = await waitFor(
      () => stat(file).then((s) => (s.mtimeMs > first ? s.mtimeMs : undefined)),
      5_000,
    );
    expect(later).toBeGreaterThan(first);
    await worker.close(1_000);
    const stopped = (await stat(file)).mtimeMs;
    await new Promise((r) => setTimeout(r, 400));
    expect((await stat(file)).mtimeMs).toBe(stopped);
  });
});
