import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  foreignRequests,
  hasChromium,
  launchChromium,
  watchedPage,
  type BrowserSession,
} from '../helpers/browser.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';
import { zipOf } from '../helpers/text-fixtures.js';

/**
 * Batch predictions from the dashboard in a real browser (Debian's Chromium through
 * playwright-core): a zip started from the list page, its page followed over the event stream
 * to the end, and the CSV download link serving the results the API has.
 */
const skip = !hasChromium() && !process.env['CI'];

describe.skipIf(skip)('dashboard batch predictions in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let modelId: string;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    ctx.startWorker();
    // Chromium loads the dashboard from a URL: the app listens on a port.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ctx.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    modelId = (await saveModel(ctx.runtime.store, await imageClassifier(), imageMeta())).id;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('starts a batch from a zip, follows it live and offers its results for download', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/batch-predictions`);
    await page.getByRole('heading', { name: 'Score a file' }).waitFor();
    await page.getByLabel('Model').selectOption(modelId);
    const zip = await zipOf({
      'red.png': await solidPng([255, 0, 0]),
      'blue.png': await solidPng([0, 0, 255]),
      'junk.png': Buffer.from('not an image'),
    });
    await page.setInputFiles('#batch-file', { name: 'shots.zip', mimeType: 'application/zip', buffer: zip });
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/#\/batch-predictions\/bp_[0-9a-z]+$/);
    const id = page.url().split('/').pop()!;

    const status = page.getByTestId('batch-status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 120_000 }).toBe('completed');
    expect(await page.getByTestId('batch-processed').innerText()).toBe('3 of 3');
    expect(requests.some((u) => u.endsWith(`/v1/batch-predictions/${id}/events`))).toBe(true);

    const link = page.getByTestId('download-csv');
    const href = (await link.getAttribute('href'))!;
    const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
    const fromApi = await api(ctx).get(`/v1/batch-predictions/${id}/results?format=csv`);
    expect(csv).toBe(fromApi.text);
    expect(csv.trim().split('\n')).toHaveLength(4);

    await page.goto(`${base}/#/batch-predictions`);
    await page.getByTestId('batches-table').getByText(id).waitFor();

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 240_000);
});
