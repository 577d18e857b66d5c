import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import type { TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';
import { foreignRequests, hasChromium, launchChromium, type BrowserSession } from '../helpers/browser.js';
import { keyedPage, listenForBrowser, mainNav, signIn } from '../helpers/keyed-dashboard.js';

/**
 * The dashboard's Keys page (README "Projects and keys"), in a real browser: only an admin key
 * sees it; it lists the project's keys, creates one (its secret shown once), revokes a runtime
 * key, and shows the project's audit log a page at a time. The page is saved as a PNG at
 * /tmp/dashboard-keys.png.
 */
const skip = !hasChromium() && !process.env['CI'];

const KEYS = {
  'a-read': 'key-a-read-0123456789',
  'a-admin': 'key-a-admin-0123456789',
};

/** The text of each row of a table, its cells joined by " | ". */
async function rows(page: Page, testid: string): Promise<string[]> {
  const trs = await page.getByTestId(testid).locator('tbody tr').all();
  return Promise.all(
    trs.map(async (tr) =>
      (await tr.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).join(' | '),
    ),
  );
}

/** What the page's clipboard holds. */
const clipboard = (page: Page) =>
  page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
    ).navigator.clipboard.readText(),
  );

/** GET /v1/me with a key, over the socket as an app would call it. */
async function me(base: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(skip)('dashboard Keys page in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;

  beforeAll(async () => {
    ctx = await buildAppWithKeys([
      { id: 'a-read', key: KEYS['a-read'], project: 'team-a', roles: ['read'] },
      { id: 'a-admin', key: KEYS['a-admin'], project: 'team-a', roles: ['admin'] },
    ]);
    base = await listenForBrowser(ctx);
    browser = await launchChromium({ height: 1400 });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('shows a read key no Keys entry, and a note instead of the page', async () => {
    const { page, pageErrors, requests, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-read'])).toBe('team-a · key a-read · read');
    expect(await mainNav(page)).not.toContain('Keys');
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/keys';
    });
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    expect(await page.getByTestId('no-access').innerText()).toMatch(/This key has no admin role/);
    expect(requests.filter((u) => /\/v1\/(keys|audit-log)/.test(u))).toEqual([]);
    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("lets an admin create a key, shown once, see it and the audit log's entry, and revoke it", async () => {
    const { page, pageErrors, consoleErrors, requests, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-admin'])).toBe('team-a · key a-admin · admin');
    expect(await mainNav(page)).toContain('Keys');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    await page.getByTestId('keys-table').waitFor();
    // Configured keys say why they stay; nothing to revoke yet.
    expect(await rows(page, 'keys-table')).toEqual([
      expect.stringMatching(/^a-read \| read \| all \| file \| – \| Set in the keys file/),
      expect.stringMatching(/^a-admin this key \| admin \| all \| file \| – \| Set in the keys file/),
    ]);
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);

    // A predict key for one model, through the form.
    await page.getByLabel('Id', { exact: true }).fill('shop-app');
    await page.getByRole('checkbox', { name: 'predict' }).check();
    await page.getByLabel('Models (optional)').fill('flowers, weeds');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    expect(await shown.innerText()).toMatch(/it will not be shown again/);
    const secret = (await page.getByTestId('new-key-secret').innerText()).trim();
    expect(secret).toMatch(/^tls_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    expect(await page.getByTestId('copied').innerText()).toBe('Copied.');
    expect(await clipboard(page)).toBe(secret);

    // The key works at once.
    expect(await me(base, secret)).toEqual({
      status: 200,
      body: {
        keyId: 'shop-app',
        project: 'team-a',
        roles: ['predict'],
        models: ['flowers', 'weeds'],
        authenticated: true,
      },
    });
    // The table lists it, with a Revoke button; the audit log shows its creation.
    await expect
      .poll(() => rows(page, 'keys-table'))
      .toContainEqual(
        expect.stringMatching(
          /^shop-app \| predict \| flowers, weeds \| runtime \| .+ by a-admin \| Revoke$/,
        ),
      );
    await expect
      .poll(() => rows(page, 'audit-log-table'))
      .toContainEqual(expect.stringMatching(/ \| a-admin \| POST \| \/v1\/keys \| shop-app \| 201 \| ok$/));
    await page.screenshot({ path: '/tmp/dashboard-keys.png', fullPage: true });

    // An id already in the project: the problem's detail, as the other forms show it.
    await page.getByLabel('Id', { exact: true }).fill('a-read');
    await page.getByRole('checkbox', { name: 'read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/Error 409: project 'team-a' already has a key 'a-read'/);
    // The secret shown before is gone: it is shown once, right after it is made.
    expect(await page.getByTestId('new-key').count()).toBe(0);

    // Revoke it: confirm first; then the key is refused.
    const row = page.getByTestId('keys-table').locator('tbody tr', { hasText: 'shop-app' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await me(base, secret)).status).toBe(401);
    await expect
      .poll(() => rows(page, 'audit-log-table'))
      .toContainEqual(
        expect.stringMatching(/ \| a-admin \| DELETE \| \/v1\/keys\/:id \| shop-app \| 204 \| ok$/),
      );

    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of (401|409)/.test(e))).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  });

  it('pages the audit log with Older and Newer', async () => {
    // 55 refused requests: more than a page of the log, newest first.
    const admin = api(ctx, { key: KEYS['a-admin'] });
    for (let i = 0; i < 55; i++) expect((await admin.delete(`/v1/keys/nope-${i}`)).status).toBe(404);
    const { page, pageErrors } = await keyedPage(browser);
    await signIn(page, base, KEYS['a-admin']);
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/keys';
    });
    await page.getByTestId('audit-log-table').waitFor();
    const first = await rows(page, 'audit-log-table');
    expect(first).toHaveLength(50);
    expect(first[0]).toMatch(/ \| DELETE \| \/v1\/keys\/:id \| nope-54 \| 404 \| refused$/);
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => rows(page, 'audit-log-table')).not.toEqual(first);
    const second = await rows(page, 'audit-log-table');
    expect(second[0]).toMatch(/ \| nope-4 \| 404 \| refused$/);
    // The oldest entries: the key made, the id refused as taken, the key revoked (test before).
    expect(second.slice(-3)).toEqual([
      expect.stringMatching(/ \| DELETE \| \/v1\/keys\/:id \| shop-app \| 204 \| ok$/),
      expect.stringMatching(/ \| POST \| \/v1\/keys \| – \| 409 \| refused$/),
      expect.stringMatching(/ \| POST \| \/v1\/keys \| shop-app \| 201 \| ok$/),
    ]);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => rows(page, 'audit-log-table')).toEqual(first);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
