import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/queue/open-store.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';
import {
  foreignRequests,
  hasChromium,
  launchChromium,
  watchedPage,
  type BrowserSession,
} from '../helpers/browser.js';
import { keyedPage, listenForBrowser, mainNav, signIn } from '../helpers/keyed-dashboard.js';
import { saveModel, tabularClassifier, tabularMeta } from '../helpers/serving-fixtures.js';

/**
 * The dashboard with scoped keys (README "Projects and keys"), in a real browser: the header
 * says which project and roles the key has, and a control whose action the key's roles cannot
 * perform is not shown, so that nothing a person clicks, and nothing a page loads, answers 403.
 * Each key's header is saved as a PNG under the temporary folder (dashboard-header-<key>.png).
 */
const skip = !hasChromium() && !process.env['CI'];

const KEYS = {
  'a-read': 'key-a-read-0123456789',
  'a-train': 'key-a-train-0123456789',
  'a-admin': 'key-a-admin-0123456789',
  'a-app': 'key-a-app-0123456789',
};
type KeyId = keyof typeof KEYS;

/** Where a key's header is saved. */
const header = (key: KeyId) => path.join(os.tmpdir(), `dashboard-header-${key}.png`);

const CSV = Buffer.from(
  'x1,x2,label\n' +
    Array.from({ length: 30 }, (_, i) => `${i % 3},${(i * 7) % 5},${['a', 'b', 'c'][i % 3]}`).join('\n'),
);

/** Opens a page by its hash and waits for its h1. */
async function open(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.evaluate((h) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = h;
  }, hash);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** How many of each control show on the page now. */
async function controls(page: Page) {
  const button = (name: string | RegExp) => page.getByRole('button', { name }).count();
  const link = (name: string | RegExp) => page.getByRole('main').getByRole('link', { name }).count();
  return {
    upload: await page.getByRole('heading', { name: 'Upload a dataset' }).count(),
    train: await link('Train on this dataset'),
    audit: await button('Audit this dataset'),
    deleteDataset: await button('Delete dataset'),
    deleteModel: await button('Delete model'),
    predict: await page.getByTestId('predict-panel').count(),
    promote: await button('Promote'),
    capture: await button(/Turn capture on|Update/),
    download: await link(/Download/),
    newJob: await link('New job'),
    register: await button(/^Register/),
    registerOwn: await page.getByRole('heading', { name: 'Register your own' }).count(),
    alerts: await page.getByRole('alert').count(),
  };
}

describe.skipIf(skip)('dashboard with project keys in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let datasetId: string;
  let modelId: string;

  beforeAll(async () => {
    ctx = await buildAppWithKeys([
      { id: 'a-read', key: KEYS['a-read'], project: 'team-a', roles: ['read'] },
      { id: 'a-train', key: KEYS['a-train'], project: 'team-a', roles: ['read', 'train'] },
      { id: 'a-admin', key: KEYS['a-admin'], project: 'team-a', roles: ['admin'] },
      { id: 'a-app', key: KEYS['a-app'], project: 'team-a', roles: ['predict'], models: ['flowers'] },
    ]);
    base = await listenForBrowser(ctx);
    const ds = await api(ctx, { key: KEYS['a-train'] }).uploadDataset(CSV, 'rows.csv', { name: 'rows' });
    datasetId = ds['id'] as string;
    const { store } = openStore(ctx.config, undefined, 'team-a');
    modelId = (await saveModel(store, tabularClassifier(), tabularMeta('classification'), 'flowers')).id;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  /** Walks the datasets, a dataset, base models, jobs and a model: what each key sees of each. */
  async function walk(page: Page) {
    await page.getByTestId('datasets-table').getByRole('link', { name: 'rows' }).waitFor();
    const datasets = await controls(page);
    await open(page, `#/datasets/${datasetId}`, 'rows');
    await page.getByTestId('class-counts').waitFor();
    const dataset = await controls(page);
    await open(page, '#/base-models', 'Base models');
    await page.getByTestId('catalog-table').waitFor();
    const bases = await controls(page);
    await open(page, '#/jobs', 'Jobs');
    await page.getByText('No jobs yet.').waitFor();
    const jobs = await controls(page);
    await open(page, `#/models/${modelId}`, 'flowers v1');
    await page.getByTestId('capture-state').waitFor();
    await page.getByTestId('no-aliases').waitFor();
    const model = await controls(page);
    return { datasets, dataset, bases, jobs, model };
  }

  it('shows a read key its project and role, every list and page, and no control that would 403', async () => {
    const { page, pageErrors, consoleErrors, requests, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-read'], header('a-read'))).toBe('team-a · key a-read · read');
    expect(await mainNav(page)).toEqual(['Datasets', 'Base models', 'Jobs', 'Models', 'Batch predictions']);
    const seen = await walk(page);
    const none = { upload: 0, train: 0, audit: 0, deleteDataset: 0, deleteModel: 0, predict: 0, promote: 0 };
    for (const [where, c] of Object.entries(seen)) {
      expect(c, where).toMatchObject({
        ...none,
        capture: 0,
        newJob: 0,
        register: 0,
        registerOwn: 0,
        alerts: 0,
      });
    }
    // Downloading needs read only.
    expect(seen.model.download).toBe(1);
    // Batch predictions: the list, no form to start one (predict).
    await open(page, '#/batch-predictions', 'Batch predictions');
    await page.getByText('No batch predictions yet.').waitFor();
    expect(await page.getByRole('heading', { name: 'Score a file' }).count()).toBe(0);
    // A page the role cannot use says so, quietly, and asks nothing of the server.
    await open(page, '#/jobs/new', 'New training job');
    expect(await page.getByTestId('no-access').innerText()).toMatch(/This key has no train role/);
    expect(await page.getByRole('alert').count()).toBe(0);

    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  });

  it('shows a train key its upload, new-job, audit and promotion controls, and no delete', async () => {
    const { page, pageErrors, consoleErrors, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-train'], header('a-train'))).toBe(
      'team-a · key a-train · read, train',
    );
    expect(await mainNav(page)).toEqual([
      'Datasets',
      'Base models',
      'New job',
      'Jobs',
      'Models',
      'Batch predictions',
    ]);
    const seen = await walk(page);
    expect(seen.datasets).toMatchObject({ upload: 1, alerts: 0 });
    expect(seen.dataset).toMatchObject({ train: 1, audit: 1, deleteDataset: 0, alerts: 0 });
    expect(seen.bases.registerOwn).toBe(1);
    expect(seen.bases.register).toBeGreaterThan(0);
    expect(seen.jobs.newJob).toBe(1);
    expect(seen.model).toMatchObject({
      promote: 1,
      capture: 1,
      deleteModel: 0,
      predict: 0,
      download: 1,
      alerts: 0,
    });

    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });

  it('shows an admin key every control, the deletes and the predict form included', async () => {
    const { page, pageErrors, consoleErrors, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-admin'], header('a-admin'))).toBe('team-a · key a-admin · admin');
    const seen = await walk(page);
    expect(seen.datasets.upload).toBe(1);
    expect(seen.dataset).toMatchObject({ train: 1, audit: 1, deleteDataset: 1 });
    expect(seen.model).toMatchObject({ promote: 1, capture: 1, deleteModel: 1, predict: 1, download: 1 });
    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });

  it("lets a client app's predict key open its model and predict, and shows it nothing else", async () => {
    const { page, pageErrors, consoleErrors, forbidden } = await keyedPage(browser);
    expect(await signIn(page, base, KEYS['a-app'], header('a-app'))).toBe(
      'team-a · key a-app · predict (flowers)',
    );
    expect(await mainNav(page)).toEqual(['Models', 'Batch predictions']);
    // Its home is the models it may predict with: it cannot list the project's models.
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    expect(await page.getByTestId('no-access').innerText()).toMatch(/This key has no read role/);
    await page.getByTestId('model-picker').getByRole('link', { name: 'flowers' }).click();
    await page.getByRole('heading', { level: 1, name: 'flowers' }).waitFor();
    await page.getByLabel(/Feature values/).fill('1, 2, 3, 4');
    await page.getByRole('button', { name: 'Predict' }).click();
    await expect.poll(() => page.getByTestId('predicted-label').innerText()).toMatch(/^[xyz]$/);
    expect(await controls(page)).toMatchObject({
      deleteModel: 0,
      promote: 0,
      capture: 0,
      download: 0,
      alerts: 0,
    });
    // Batch predictions: the list and the form, its model chosen from the key's own.
    await open(page, '#/batch-predictions', 'Batch predictions');
    await page.getByRole('heading', { name: 'Score a file' }).waitFor();
    expect(await page.locator('#batch-model option').allInnerTexts()).toEqual(['Choose a model', 'flowers']);
    // A dataset's page needs read: a note, no request.
    await open(page, `#/datasets/${datasetId}`, 'Dataset');
    expect(await page.getByTestId('no-access').innerText()).toMatch(/no read role/);

    expect(forbidden).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });
});

describe.skipIf(skip)('dashboard of a service without keys in Chromium', () => {
  let ctx: TestContext;
  let browser: BrowserSession;

  beforeAll(async () => {
    ctx = await buildTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('says no key is needed and every role is there', async () => {
    const base = await listenForBrowser(ctx);
    const { page, pageErrors } = await watchedPage(browser.context);
    await page.goto(`${base}/`);
    const whoami = page.getByTestId('whoami');
    await whoami.waitFor();
    await page
      .locator('header.top')
      .screenshot({ path: path.join(os.tmpdir(), 'dashboard-header-open.png') });
    expect((await whoami.innerText()).replace(/\s+/g, ' ').trim()).toBe(
      'default · no key needed · all roles',
    );
    expect(await page.getByRole('heading', { name: 'Upload a dataset' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Forget key' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
