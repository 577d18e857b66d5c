import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskSpace } from '../../src/storage/free-space.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { hasChromium, launchChromium, type BrowserSession } from '../helpers/browser.js';

/**
 * The dashboard's storage banner in Chromium, on a real 16 MiB tmpfs: shown while free space on
 * DATA_DIR is below its floor, gone once space is freed. Needs Chromium and root (mount).
 */
const MiB = 1024 * 1024;

async function mountTmpfs(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dash-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    console.warn(
      'dashboard storage banner test skipped: mounting a tmpfs is not permitted here (needs root)',
    );
    await rmdir(dir).catch(() => undefined);
    return undefined;
  }
}

const dataDir = hasChromium() ? await mountTmpfs() : undefined;

describe.skipIf(!dataDir)('dashboard storage banner (Chromium, 16 MiB tmpfs)', () => {
  const dir = dataDir as string;
  const filler = path.join(dir, 'filler.bin');
  let ctx: TestContext;
  let browser: BrowserSession;
  let base: string;

  beforeAll(async () => {
    ctx = await buildTestApp({
      DATA_DIR: dir,
      DISK_MIN_FREE_BYTES: String(4 * MiB),
      DISK_MIN_FREE_PERCENT: '0',
    });
    // Chromium loads the dashboard from a URL: the app listens on a port.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ctx.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
    await waitFor(
      async () => {
        try {
          execFileSync('umount', [dir], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      200,
    ).catch(() => execFileSync('umount', ['-l', dir]));
    await rmdir(dir);
  });

  it('warns while DATA_DIR is low on space, with how much is left, and not once space is freed', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base}/#/datasets`);
    await page.waitForSelector('h1');
    expect(await page.locator('[data-testid=storage-banner]').count()).toBe(0);

    const { freeBytes } = await diskSpace(dir);
    await writeFile(filler, Buffer.alloc(freeBytes - 2 * MiB));
    await page.goto(`${base}/#/models`); // a new page checks again
    const banner = page.locator('[data-testid=storage-banner]');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toMatch(/Storage is low: [\d.]+ MiB free of 16 MiB .* on DATA_DIR/);
    expect(text).toMatch(/delete datasets, base models or models you no longer need/);
    expect(await banner.getAttribute('role')).toBe('status');

    await rm(filler);
    await page.goto(`${base}/#/datasets`);
    await page.waitForSelector('h1');
    await waitFor(async () => (await banner.count()) === 0, 10_000, 100);
    await page.close();
  });
});
