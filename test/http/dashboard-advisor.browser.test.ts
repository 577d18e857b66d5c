import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { colourZip, registerSmallCnn } from '../helpers/advisor-fixtures.js';
import {
  foreignRequests,
  hasChromium,
  launchChromium,
  watchedPage,
  type BrowserSession,
} from '../helpers/browser.js';

/**
 * The advisor from the dashboard in a real browser (Debian's Chromium through playwright-core):
 * asked from a dataset page, watched through its event stream, its candidates charted, its
 * recommendation in words, and the recommended job started with one click. A tiny colour dataset
 * and a small CNN base keep it to seconds. DASHBOARD_SCREENSHOT=<file.png> saves the page.
 */
const skip = !hasChromium() && !process.env['CI'];

interface PageGlobals {
  MutationObserver: new (cb: () => void) => { observe(el: unknown, opts: object): void };
  document: { querySelector(selector: string): { textContent: string | null } | null };
  seenProgress: string[];
}

async function origin(ctx: TestContext): Promise<string> {
  // Chromium loads the dashboard from a URL: the app listens on a port.
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ctx.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

describe.skipIf(skip)('dashboard advisor in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let datasetId: string;
  let cnn: string;
  let http: Api;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    base = await origin(ctx);
    datasetId = (await http.uploadDataset(await colourZip(8), 'colours.zip', { name: 'colours' })).id;
    cnn = await registerSmallCnn(ctx);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('asks the advisor on a dataset, shows its progress, chart and advice, and starts the recommended job', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/datasets/${datasetId}`);
    await page.getByRole('heading', { name: 'Which base model?' }).waitFor();
    const box = page.getByRole('checkbox');
    await expect.poll(() => box.count()).toBe(1);
    await box.check();
    // Record every progress line the page shows while the run goes.
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.seenProgress = [];
      new g.MutationObserver(() => {
        const text = g.document.querySelector('[data-testid="advisor-progress"]')?.textContent;
        if (text && g.seenProgress[g.seenProgress.length - 1] !== text) g.seenProgress.push(text);
      }).observe(g.document, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Ask the advisor' }).click();
    await page.waitForURL(/#\/advisor\/adv_[0-9a-z]+$/);
    const runId = page.url().split('/').pop()!;

    // The answer, as the API has it, is what the page shows.
    await page.getByTestId('advisor-recommendation').waitFor({ timeout: 120_000 });
    const run = (await http.get(`/v1/advisor/${runId}`)).body;
    expect(run.state).toBe('completed');
    expect(run.candidates).toEqual([{ base: { baseModelId: cnn } }]);
    expect(await page.getByTestId('advisor-recommendation').innerText()).toContain(run.recommendation.reason);
    // What to expect of the job: the pick's own spec, cross-validated.
    const expected = run.recommendation.expected;
    expect(await page.getByTestId('advisor-expected').innerText()).toContain(
      `${Math.round(expected.accuracy * 100)}% (${Math.round(expected.accuracyInterval.low * 100)}% to ${Math.round(expected.accuracyInterval.high * 100)}%`,
    );
    const chart = page.getByTestId('advisor-chart');
    expect(await chart.getAttribute('data-points')).toBe(String(run.ranking.length));
    expect(await chart.locator('circle').count()).toBe(run.ranking.length);
    const label = (await chart.locator('svg').getAttribute('aria-label')) ?? '';
    for (const e of run.ranking) expect(label).toContain(`${e.cutAt} ${Math.round(e.accuracy * 100)}%`);
    expect(await page.getByTestId('advisor-candidates').locator('tbody tr').count()).toBe(run.ranking.length);
    const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).seenProgress);
    expect(seen.length).toBeGreaterThan(0);
    expect(requests.some((u) => u.endsWith(`/v1/advisor/${runId}/events`))).toBe(true);

    const shot = process.env['DASHBOARD_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });

    // One click starts the recommended spec on this dataset and opens the job.
    await page.getByRole('button', { name: 'Train the recommended model' }).click();
    await page.waitForURL(/#\/jobs\/job_[0-9a-z]+$/);
    const jobId = page.url().split('/').pop()!;
    const job = (await http.get(`/v1/jobs/${jobId}`)).body;
    expect(job.spec.datasetId).toBe(datasetId);
    expect(job.spec.base).toEqual(run.recommendation.pick.base);
    expect(job.spec.cutAt).toBe(run.recommendation.pick.cutAt);
    await http.waitForJob(jobId, { timeoutMs: 120_000 });

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 300_000);
});
