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
import { weakAndStrong } from '../helpers/promotion-fixtures.js';

/**
 * Aliases and promotion from a model page in a real browser: compare two versions, promote the
 * better one behind `production`, see the refusal of the worse one. DASHBOARD_SCREENSHOT=<file.png>
 * saves the model page.
 */
const skip = !hasChromium() && !process.env['CI'];

describe.skipIf(skip)('dashboard promotion in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
  let models: { weak: any; strong: any };

  beforeAll(async () => {
    ctx = await buildTestApp();
    ctx.startWorker();
    // A real socket for the browser; the test's own calls go through the API helper.
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ctx.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    models = await weakAndStrong(ctx, 'churn');
    const put = await api(ctx).put('/v1/models/churn/aliases/production', { version: 1 });
    expect(put.status).toBe(200);
    browser = await launchChromium();
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('compares two versions, promotes the better one and refuses the worse one', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/models/${models.strong.id}`);
    const section = page.getByTestId('promotion');
    await section.getByTestId('aliases-table').waitFor();
    expect(await section.getByTestId('aliases-table').innerText()).toMatch(/churn@production\s+v1/);

    await section.getByTestId('compare-with').selectOption(models.weak.id);
    await section.getByRole('button', { name: 'Compare' }).click();
    await section.getByTestId('comparison').waitFor();
    expect(await section.getByTestId('comparison').innerText()).toMatch(
      /this version is better: \+\d+\.\d points/,
    );

    await section.getByRole('button', { name: 'Promote' }).click();
    await section.getByTestId('promotion-decision').waitFor();
    expect(await section.getByTestId('promotion-decision').innerText()).toMatch(
      /Promoted: churn@production is now v2/,
    );
    await expect
      .poll(() => section.getByTestId('aliases-table').innerText())
      .toMatch(/churn@production\s+v2/);
    const shot = process.env['DASHBOARD_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });

    // The weak version's page: promoting it back is refused by the default policy.
    await page.goto(`${base}/#/models/${models.weak.id}`);
    await page.getByTestId('promotion').getByTestId('aliases-table').waitFor();
    await page.getByTestId('promotion').getByRole('button', { name: 'Promote' }).click();
    const refused = page.getByTestId('promotion').getByTestId('promotion-decision');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/Not promoted\. may be worse by more than 2\.0 points/);
    const alias = (await api(ctx).get('/v1/models/churn@production')).body;
    expect(alias.id).toBe(models.strong.id);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 300_000);
});
