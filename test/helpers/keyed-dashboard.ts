import type { Page } from 'playwright-core';
import type { TestContext } from './app.js';
import { watchedPage, type BrowserSession, type PageWatch } from './browser.js';

/** The dashboard with scoped keys (README "Projects and keys"): what its browser tests share. */

/** Listens on a free loopback port; the dashboard's origin. */
export async function listenForBrowser(ctx: TestContext): Promise<string> {
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ctx.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** A watched page that also records every answer of 403 (a control shown that its key cannot use). */
export async function keyedPage(browser: BrowserSession): Promise<PageWatch & { forbidden: string[] }> {
  const watch = await watchedPage(browser.context);
  const forbidden: string[] = [];
  watch.page.on('response', (r) => {
    if (r.status() === 403) forbidden.push(`${r.request().method()} ${r.url()}`);
  });
  return { ...watch, forbidden };
}

/**
 * Opens the dashboard, gives `key` at the prompt, waits for the header to say who it is, and
 * returns that text (`screenshot`: a PNG path for the header).
 */
export async function signIn(page: Page, base: string, key: string, screenshot?: string): Promise<string> {
  await page.goto(`${base}/`);
  await page.getByTestId('key-prompt').waitFor();
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Continue' }).click();
  const whoami = page.getByTestId('whoami');
  await whoami.waitFor();
  if (screenshot) await page.locator('header.top').screenshot({ path: screenshot });
  return (await whoami.innerText()).replace(/\s+/g, ' ').trim();
}

/** The main menu's entries. */
export const mainNav = (page: Page): Promise<string[]> =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
