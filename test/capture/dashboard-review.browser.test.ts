import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  foreignRequests,
  hasChromium,
  launchChromium,
  watchedPage,
  type BrowserSession,
} from '../helpers/browser.js';
import { clusters } from '../helpers/promotion-fixtures.js';

/**
 * Capture and review from the dashboard in a real browser: capture turned on from the model's
 * page, predictions sent, and the review queue labelled from the keyboard (a class's number, 0
 * for none of these, x to discard). DASHBOARD_SCREENSHOT=<file.png> saves the queue.
 */
const skip = !hasChromium() && !process.env['CI'];

describe.skipIf(skip)('dashboard review queue in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let http: Api;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
  let model: any;

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    ctx.startWorker();
    // Chromium loads the dashboard from a URL: the app listens on a port.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ctx.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    const up = await http.uploadDataset(clusters(80, 9), 'c.csv');
    ({ model } = await http.trainToEnd({
      datasetId: up.id,
      modelName: 'churn',
      head: [{ type: 'dense', units: 8, activation: 'relu' }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 10, batchSize: 16 },
    }));
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('turns capture on, then labels the queue from the keyboard', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/models/${model.id}`);
    const panel = page.getByTestId('capture-panel');
    await panel.getByText('Capture is off.').waitFor();
    await panel.getByLabel('Rate').fill('1');
    await panel.getByRole('button', { name: 'Turn capture on' }).click();
    await panel.getByText(/Capturing 100\.0 % of predicted inputs/).waitFor();

    const rows = [
      [40, -40, 40, -40],
      [0.02, -0.01, 0, 0.01],
      [1, 1, 1, 1],
      [-1, -1, -1, -1],
    ];
    const p = await http.predict('churn', { instances: rows });
    expect(p.status).toBe(200);
    await ctx.app.capture.settle();

    await panel.getByRole('link', { name: 'Review queue' }).click();
    await page.getByTestId('review-grid').waitFor();
    expect(await page.getByTestId('review-item').count()).toBe(4);
    expect(await page.getByTestId('review-help').innerText()).toContain(`1 ${model.labels[0]}`);
    const shot = process.env['DASHBOARD_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });

    const ids = await page
      .getByTestId('review-item')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('review-item').count()).toBe(3);
    await page.keyboard.press('0');
    await expect.poll(() => page.getByTestId('review-item').count()).toBe(2);
    await page.keyboard.press('x');
    await expect.poll(() => page.getByTestId('review-item').count()).toBe(1);

    const input = async (id: string) => (await http.get(`/v1/models/churn/review/${id}/input`)).status;
    expect(await input(ids[2]!)).toBe(404); // discarded
    const left = (await http.get('/v1/models/churn/review')).body.items.map((i: { id: string }) => i.id);
    expect(left).toEqual([ids[3]]);
    const view = (await http.get('/v1/models/churn/capture')).body;
    expect(view).toMatchObject({ items: 3, reviewed: 2 });

    // Retrain from the one labelled item: the job's page opens, and the job publishes v2.
    const card = page.getByTestId('retrain-card');
    await card.getByText('2 item(s) reviewed.').waitFor();
    await card.getByRole('button', { name: 'Retrain from the labelled items' }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    const jobId = page.url().split('#/jobs/')[1]!;
    const job = await http.waitForJob(jobId);
    expect(job.error).toBeUndefined();
    expect((await http.get(`/v1/models/${job.modelId}`)).body).toMatchObject({ name: 'churn', version: 2 });

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 300_000);
});
