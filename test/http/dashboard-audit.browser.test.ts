import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { faultyDigits } from '../helpers/audit-fixtures.js';
import {
  foreignRequests,
  hasChromium,
  launchChromium,
  watchedPage,
  type BrowserSession,
} from '../helpers/browser.js';

/**
 * An audit from the dashboard in a real browser: asked from a dataset page, its findings shown
 * by kind with thumbnails, and every suggestion turned into a new version with two clicks.
 * DASHBOARD_SCREENSHOT=<file.png> saves the audit page.
 */
const skip = !hasChromium() && !process.env['CI'];

describe.skipIf(skip)('dashboard audit in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let datasetId: string;
  let http: Api;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    // Chromium loads the dashboard from a URL: the app listens on a port.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ctx.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    const data = await faultyDigits({
      digits: [0, 1, 7],
      perClass: 10,
      valPerClass: 3,
      flipRate: 0.1,
      seed: 4,
      copies: 1,
    });
    datasetId = (await http.uploadDataset(data.zip, 'digits.zip', { name: 'digits' })).id;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('audits a dataset, shows the findings by kind and makes a version of every suggestion', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/datasets/${datasetId}`);
    await page.getByRole('button', { name: 'Audit this dataset' }).click();
    await page.waitForURL(/#\/audits\/aud_[0-9a-z]+$/);
    const auditId = page.url().split('/').pop()!;
    await page.getByTestId('audit-summary').waitFor({ timeout: 400_000 });
    const audit = (await http.get(`/v1/audits/${auditId}`)).body;
    expect(audit.state).toBe('completed');
    expect(await page.getByTestId('finding').count()).toBe(audit.findings.length);
    for (const kind of ['leak', 'duplicate']) {
      const n = audit.findings.filter((f: { kind: string }) => f.kind === kind).length;
      expect(n).toBeGreaterThan(0);
      expect(await page.locator(`[data-testid="finding"][data-kind="${kind}"]`).count()).toBe(n);
    }
    // Thumbnails of the example and of its pair come from the API, with the key.
    await expect.poll(() => page.locator('.finding img').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(requests.some((u) => u.endsWith(`/v1/audits/${auditId}/events`))).toBe(true);

    const shot = process.env['DASHBOARD_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });

    await page.getByRole('button', { name: 'Take every suggestion' }).click();
    await page.getByRole('button', { name: 'Create the version' }).click();
    await page.waitForURL(/#\/datasets\/ds_[0-9a-z]+$/);
    const versionId = page.url().split('/').pop()!;
    expect(versionId).not.toBe(datasetId);
    await page.getByTestId('dataset-parent').waitFor();
    const version = (await http.get(`/v1/datasets/${versionId}`)).body;
    expect(version.parent.datasetId).toBe(datasetId);
    expect(version.parent.auditId).toBe(auditId);
    const named = new Set(audit.findings.map((f: { exampleId: string }) => f.exampleId));
    expect(version.parent.excluded.length + version.parent.relabelled.length).toBe(named.size);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 600_000);
});
