import type { Page } from 'playwright-core';
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
import { classZip, png, type Rgb } from '../helpers/dataset-fixtures.js';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): a person's path
 * from an uploaded zip to a prediction, and the API-key prompt. Skipped only off CI when
 * /usr/bin/chromium is missing (.ci/run installs it).
 */
const skip = !hasChromium() && !process.env['CI'];

const EPOCHS = 12;

/**
 * The few browser globals that the callbacks run inside the page use (this project's TypeScript
 * has no DOM lib: everything else runs on Node). Each callback casts `globalThis` itself, since
 * Playwright sends the function's source to the page, not its closure.
 */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, opts: { type: string }) => unknown;
  MutationObserver: new (cb: () => void) => { observe(el: unknown, opts: object): void };
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  localStorage: { length: number };
  document: {
    activeElement: { textContent: string | null; id: string } | null;
    querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  };
  progressValues: number[];
  seenPoints: number[];
  seenStages: string[];
}
type Img = { naturalWidth: number };

/** Two clearly different colours with a little noise: learnable in a few epochs. */
async function colourImages(base: Rgb, n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const jitter = (c: number, k: number) => Math.max(0, Math.min(255, c + ((i * 37 + k * 11) % 41) - 20));
    out.push(await png(24, 24, [jitter(base[0], 1), jitter(base[1], 2), jitter(base[2], 3)]));
  }
  return out;
}

async function origin(ctx: TestContext): Promise<string> {
  // Chromium loads the dashboard from a URL: the app listens on a port.
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ctx.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** Drops a file on an element the way a browser does: a DataTransfer carried by drag events. */
async function dropFile(
  page: Page,
  selector: string,
  name: string,
  type: string,
  data: Buffer,
): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ b64, name, type }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const g = globalThis as unknown as PageGlobals;
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([bytes], name, { type }));
      return dt;
    },
    { b64: data.toString('base64'), name, type },
  );
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

describe.skipIf(skip)('dashboard in Chromium', () => {
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;
  let zip: Buffer;
  let redPng: Buffer;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    ctx.startWorker();
    base = await origin(ctx);
    browser = await launchChromium();
    zip = await classZip({
      red: await colourImages([220, 40, 40], 16),
      blue: await colourImages([40, 60, 220], 16),
    });
    redPng = await png(24, 24, [225, 35, 45]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('uploads a zip, trains from the form while the curve grows, opens the model and predicts', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();

    // Upload by drag and drop; the page opens the new dataset.
    await page.getByLabel('Name (optional)').fill('colours');
    // Record the progress bar's values while the upload runs (XHR upload progress).
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.progressValues = [];
      new g.MutationObserver(() => {
        const bar = g.document.querySelector('#upload-progress');
        if (bar) g.progressValues.push(Number(bar.getAttribute('value')));
      }).observe(g.document, { subtree: true, childList: true, attributes: true });
    });
    await dropFile(page, '[data-testid="dataset-file-zone"]', 'colours.zip', 'application/zip', zip);
    await page.getByRole('heading', { name: 'colours', level: 1 }).waitFor();
    expect(page.url()).toMatch(/#\/datasets\/ds_[0-9a-z]+$/);
    const progress = await page.evaluate(() => (globalThis as unknown as PageGlobals).progressValues);
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeLessThanOrEqual(1);
    await expect
      .poll(() => page.locator('[data-testid="class-counts"] li').allInnerTexts())
      .toEqual([expect.stringMatching(/blue\s+16/), expect.stringMatching(/red\s+16/)]);
    // Thumbnails come through the examples route and are really decoded.
    await expect
      .poll(() =>
        page
          .locator('[data-testid="thumbnails"] img')
          .evaluateAll((imgs) => imgs.filter((i) => (i as unknown as Img).naturalWidth === 24).length),
      )
      .toBeGreaterThan(0);

    // The form, from the dataset page: defaults filled in, the spec follows the fields.
    await page.getByRole('link', { name: 'Train on this dataset' }).click();
    await page.getByRole('heading', { name: 'New training job' }).waitFor();
    const spec = page.getByTestId('spec-json');
    await expect.poll(() => spec.innerText()).toContain('"datasetId": "ds_');
    expect(await page.getByLabel('Batch size').inputValue()).toBe('32');
    await page.getByLabel('Epochs').fill(String(EPOCHS));
    await page.getByLabel('Batch size').fill('8');
    await page.getByLabel('Seed').fill('11');
    await page.getByLabel('Model name (versions are numbered)').fill('colour-picker');
    await page.locator('#job-earlyStopping').uncheck();
    const sent = JSON.parse(await spec.innerText()) as Record<string, unknown>;
    expect(sent).toMatchObject({
      fit: { epochs: EPOCHS, batchSize: 8 },
      seed: 11,
      modelName: 'colour-picker',
      architecture: [{ type: 'conv2d' }, { type: 'maxPooling2d' }, { type: 'flatten' }],
      evaluation: { method: 'auto', folds: 5 },
    });
    expect(sent['callbacks']).not.toHaveProperty('earlyStopping');

    // Watch the curve: record every point count the loss chart shows while the job runs.
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/jobs\/(?!new)[A-Za-z0-9_-]+$/);
    const chart = page.getByTestId('job-curves-loss');
    await chart.waitFor();
    await chart.evaluate((el) => {
      const g = globalThis as unknown as PageGlobals;
      const seen: number[] = [Number(el.getAttribute('data-points'))];
      g.seenPoints = seen;
      new g.MutationObserver(() => seen.push(Number(el.getAttribute('data-points')))).observe(el, {
        attributes: true,
        attributeFilter: ['data-points'],
      });
    });
    // A small dataset is cross-validated: the page says which fold runs, then the refit.
    await page.getByTestId('job-status').evaluate((el) => {
      const g = globalThis as unknown as PageGlobals;
      const stages: string[] = [];
      g.seenStages = stages;
      new g.MutationObserver(() => {
        const stage = (el as unknown as { querySelector(s: string): { textContent: string } | null })
          .querySelector('[data-testid="job-stage"]')
          ?.textContent?.trim();
        if (stage && stages.at(-1) !== stage) stages.push(stage);
      }).observe(el, { subtree: true, childList: true, characterData: true });
    });
    const status = page.getByTestId('job-status');
    await expect
      .poll(() => status.getAttribute('data-state'), { timeout: 200_000, interval: 200 })
      .toBe('completed');
    const stages = await page.evaluate(() => (globalThis as unknown as PageGlobals).seenStages);
    expect(stages.some((s) => /^cross-validation, fold \d of \d$/.test(s))).toBe(true);
    expect(stages).toContain('training the returned model on every example');
    const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).seenPoints);
    expect(seen.at(-1)).toBe(EPOCHS);
    // The chart grew through intermediate states, pushed by the event stream.
    expect(new Set(seen.filter((n) => n > 0 && n < EPOCHS)).size).toBeGreaterThanOrEqual(1);
    expect(Number(await status.getAttribute('data-sse-events'))).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="job-curves-loss"] canvas').count()).toBe(1);
    // A completed job's page sums it up; it does not show the last phase it went through.
    const summary = page.getByTestId('job-summary');
    await expect.poll(() => page.getByTestId('job-epochs').innerText()).toBe(`${EPOCHS} training`);
    expect(await summary.innerText()).not.toMatch(/saving|Phase|ETA/);
    expect(await page.getByTestId('job-phase').count()).toBe(0);

    // The model: evaluation, confusion matrix, per-class table, curves, lineage.
    await page.getByRole('link', { name: 'Open the model' }).click();
    await page.getByRole('heading', { name: 'colour-picker v1', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('model-accuracy').innerText()).toMatch(/%$/);
    // Every figure with its interval and the number of examples it rests on.
    expect(await page.getByTestId('accuracy-interval').innerText()).toMatch(/95 % interval: \d+ % to \d+ %/);
    expect(await page.getByTestId('evaluation-method').innerText()).toMatch(
      /\d-fold cross-validation, 32 out-of-fold predictions/,
    );
    const recall = page.locator('[data-testid="class-recall"] li');
    expect(await recall.allInnerTexts()).toEqual([
      expect.stringMatching(/blue[\s\S]*of 16/),
      expect.stringMatching(/red[\s\S]*of 16/),
    ]);
    expect(
      Number(await page.getByTestId('learning-curve').getAttribute('data-points')),
    ).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('forecast').innerText()).not.toBe('');
    expect(await page.getByTestId('confusion-matrix').innerText()).toContain('32 out-of-fold predictions');
    expect(await page.locator('[data-testid="confusion-matrix"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid="per-class"] tbody tr').count()).toBe(2);
    expect(await page.getByTestId('model-curves-loss').getAttribute('data-points')).toBe(String(EPOCHS));
    expect(await page.getByTestId('lineage').innerText()).toMatch(/ds_[0-9a-z]+/);
    const download = page.getByRole('link', { name: /Download/ });
    expect(await download.getAttribute('href')).toMatch(/^\/v1\/models\/m_[0-9a-z]+\/download$/);
    // How a client app calls it, the Open Inference Protocol's infer URL included.
    expect(await page.getByTestId('oip-infer-url').innerText()).toMatch(
      /^POST http:\/\/[^/]+\/v2\/models\/colour-picker\/versions\/1\/infer$/,
    );
    expect(await page.getByTestId('cli-predict').innerText()).toMatch(
      /^tlearn --api http:\/\/[^/]+ predict colour-picker image\.png more-images\/$/,
    );

    // Predict from a file chosen in the file input.
    await page.setInputFiles('#predict-file', { name: 'red.png', mimeType: 'image/png', buffer: redPng });
    await page.getByRole('button', { name: 'Predict' }).click();
    const label = page.getByTestId('predicted-label');
    await label.waitFor();
    expect(['red', 'blue']).toContain(await label.innerText());
    expect(await page.locator('[data-testid="topk-bars"] li').count()).toBe(2);
    // The score is calibrated, and the novelty says whether the image is like the training ones.
    expect(await page.getByTestId('novelty').innerText()).toMatch(
      /Novelty \d\.\d{3} \(threshold \d\.\d{3}, set to accept 95(\.0)? % of 32 out-of-fold examples of the known classes\): (un)?like the training examples/,
    );
    // Beside it, the reliability diagram of the out-of-fold scores, with its ECE and interval.
    const reliability = page.getByTestId('reliability');
    expect(await reliability.innerText()).toMatch(
      /Expected calibration error \d\.\d{3} \(95 % interval \d\.\d{3} to \d\.\d{3}\) calibrated, \d\.\d{3} .* raw, over 32 out-of-fold predictions.* A perfectly calibrated model would show about \d\.\d{3} on these 32 predictions/,
    );
    expect(await reliability.locator('rect.rel-bar').count()).toBeGreaterThan(0);
    const unknown = await page.getByTestId('unknown-badge').count();
    expect(unknown === 1).toBe(/: unlike/.test(await page.getByTestId('novelty').innerText()));

    // The lists show what was made.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Models', exact: true })
      .click();
    await expect.poll(() => page.getByTestId('models-table').innerText()).toContain('colour-picker');
    expect(await page.getByTestId('models-table').innerText()).toMatch(/\(\d+ % to \d+ %\)\s*n=32/);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Jobs', exact: true })
      .click();
    await expect.poll(() => page.getByTestId('jobs-table').innerText()).toContain('completed');

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    expect(requests.some((u) => u.includes('/events'))).toBe(true);
    await page.close();
  }, 300_000);

  it("shows the API's validation errors beside the fields they name", async () => {
    const made = await api(ctx).uploadDataset(zip, 'form.zip', { name: 'for-the-form' });
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/jobs/new?datasetId=${made.id as string}`);
    await expect.poll(() => page.getByTestId('spec-json').innerText()).toContain('"datasetId": "ds_');
    await page.getByLabel('Epochs').fill('0');
    await page.getByLabel('Validation split').fill('2');
    await page.getByLabel('Estimate accuracy by').selectOption('cross-validation');
    await page.getByLabel('Folds').fill('1');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('job-errors').waitFor();
    expect(await page.getByTestId('errors-job-epochs').innerText()).toMatch(/epochs must be >= 1/);
    expect(await page.getByTestId('errors-job-validationSplit').innerText()).toMatch(/0\.9/);
    expect(await page.getByTestId('errors-job-folds').innerText()).toMatch(/folds must be >= 2/);
    // Holdout has no folds: the field is disabled and the spec asks for the method alone.
    await page.getByLabel('Estimate accuracy by').selectOption('holdout');
    expect(await page.getByLabel('Folds').isDisabled()).toBe(true);
    await expect
      .poll(async () => JSON.parse(await page.getByTestId('spec-json').innerText()).evaluation)
      .toEqual({ method: 'holdout' });
    expect(await page.getByLabel('Epochs').getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toMatch(/#\/jobs\/new(\?.*)?$/);

    // Invalid JSON in a layer list is caught before anything is sent.
    await page.getByLabel('Epochs').fill('3');
    await page.getByLabel('Validation split').fill('0.2');
    await page.getByLabel(/New head layers/).fill('[{ "type": ');
    await expect.poll(() => page.getByTestId('errors-job-head').innerText()).toMatch(/not valid JSON/);

    expect(pageErrors).toEqual([]);
    // The one 400 the page asked for shows up as a failed resource load, nothing else.
    expect(consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  });
  it('carries the cut and fine-tune layers chosen in the layer table into the New job form, by keyboard', async () => {
    const models = await api(ctx).get('/v1/models');
    const modelId = models.body.items[0]?.id as string;
    expect(modelId).toMatch(/^m_/);
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/#/base-models/${modelId}`);
    const table = page.getByTestId('layers-table');
    await table.waitFor();
    expect(await table.locator('thead th').allInnerTexts()).toEqual(
      expect.arrayContaining(['Name', 'Class', 'Output shape', 'Params', 'Trainable']),
    );

    // The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent),
    ).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe(
      'main',
    );

    // Radios by keyboard: focus one, then Space picks it.
    await page.getByLabel('cut at arch_3_flatten').focus();
    await page.keyboard.press('Space');
    await page.getByLabel('fine-tune from arch_1_conv2d').focus();
    await page.keyboard.press('Space');
    expect(await page.getByTestId('chosen-cut').innerText()).toBe('arch_3_flatten');
    expect(await page.getByTestId('chosen-finetune').innerText()).toBe('arch_1_conv2d');
    await page.getByRole('button', { name: 'Use in a new job' }).press('Enter');

    await page.getByRole('heading', { name: 'New training job' }).waitFor();
    await expect.poll(() => page.getByLabel('Base model').inputValue()).toBe(modelId);
    expect(await page.getByLabel('Cut at layer').inputValue()).toBe('arch_3_flatten');
    await expect
      .poll(() => page.getByTestId('spec-json').innerText())
      .toContain('"unfreezeFrom": "arch_1_conv2d"');
    const spec = JSON.parse(await page.getByTestId('spec-json').innerText()) as Record<string, unknown>;
    expect(spec).toMatchObject({
      base: { modelId },
      cutAt: 'arch_3_flatten',
      fineTune: { unfreezeFrom: 'arch_1_conv2d' },
    });
    expect(spec).not.toHaveProperty('architecture');

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  });
  it('starts a job for a text dataset from the unchanged form: no image architecture, size or augmentation', async () => {
    const jsonl = ['cheap pills now', 'win a free prize', 'claim your reward', 'lowest price ever']
      .flatMap((t, i) => [
        { text: `${t} ${i}`, label: 'spam' },
        { text: `lunch at noon with team ${i}`, label: 'ham' },
        { text: `${t} today only ${i}`, label: 'spam' },
        { text: `the meeting notes for friday ${i}`, label: 'ham' },
      ])
      .map((r) => JSON.stringify(r))
      .join('\n');
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByTestId('dataset-file-zone').innerText()).toMatch(/\.jsonl/);
    await page.getByLabel('Name (optional)').fill('short-mails');
    await dropFile(
      page,
      '[data-testid="dataset-file-zone"]',
      'mails.jsonl',
      'application/jsonl',
      Buffer.from(jsonl),
    );
    await page.getByRole('heading', { name: 'short-mails', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Train on this dataset' }).click();
    await page.getByRole('heading', { name: 'New training job' }).waitFor();
    const spec = page.getByTestId('spec-json');
    await expect.poll(() => spec.innerText()).toContain('"type": "embedding"');
    const sent = JSON.parse(await spec.innerText()) as Record<string, unknown>;
    expect(sent['architecture']).toEqual([
      { type: 'embedding', outputDim: 32 },
      { type: 'globalAveragePooling1d' },
    ]);
    expect(sent).not.toHaveProperty('input');
    expect(sent).not.toHaveProperty('augment');
    expect(await page.getByLabel('Input width').count()).toBe(0);
    expect(await page.getByLabel('Random horizontal flips').count()).toBe(0);

    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/jobs\/(?!new)[A-Za-z0-9_-]+$/);
    await expect
      .poll(() => page.getByTestId('job-status').getAttribute('data-state'), {
        timeout: 120_000,
        interval: 200,
      })
      .toBe('completed');
    await expect.poll(() => page.getByTestId('job-epochs').innerText()).toMatch(/^\d+ training$/);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  }, 180_000);
});

describe.skipIf(skip)('dashboard in Chromium with API keys', () => {
  const KEY = 'browser-test-key';
  let ctx: TestContext;
  let base: string;
  let browser: BrowserSession;

  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY });
    base = await origin(ctx);
    browser = await launchChromium();
    const zip = await classZip({ a: [await png(8, 8, [200, 0, 0])], b: [await png(8, 8, [0, 0, 200])] });
    await api(ctx, { key: KEY }).uploadDataset(zip, 'tiny.zip', { name: 'tiny' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('asks for a key, keeps it in session storage, sends it as a bearer token, and a 401 returns to the prompt', async () => {
    const { page, pageErrors, consoleErrors, requests } = await watchedPage(browser.context);
    const apiRequests: Array<{ url: string; auth: string | undefined }> = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/'))
        apiRequests.push({ url: r.url(), auth: r.headers()['authorization'] });
    });
    await page.goto(`${base}/`);
    const prompt = page.getByTestId('key-prompt');
    await prompt.waitFor();

    // A wrong key: refused, back at the prompt, nothing kept.
    await page.getByLabel('API key', { exact: true }).fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => prompt.innerText()).toMatch(/refused/);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('tls.apiKey')),
    ).toBeNull();

    await page.getByLabel('API key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByTestId('datasets-table').innerText()).toContain('tiny');
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('tls.apiKey')),
    ).toBe(KEY);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length)).toBe(0);
    const context = await browser.context.cookies();
    expect(context).toEqual([]);

    // Open the dataset (its thumbnails need the key too) and the job form.
    await page.getByRole('link', { name: 'tiny' }).click();
    await expect
      .poll(() =>
        page
          .locator('[data-testid="thumbnails"] img')
          .evaluateAll((imgs) => imgs.filter((i) => (i as unknown as Img).naturalWidth === 8).length),
      )
      .toBe(2);
    const sinceKey = apiRequests.filter((r) => r.auth === `Bearer ${KEY}`);
    expect(sinceKey.length).toBeGreaterThanOrEqual(3);

    // The key stops working (rotated): the next call answers 401 and the prompt comes back.
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).sessionStorage.setItem('tls.apiKey', 'rotated-away'),
    );
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Models', exact: true })
      .click();
    await prompt.waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('tls.apiKey')),
    ).toBeNull();

    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(foreignRequests(requests, base)).toEqual([]);
    await page.close();
  });
});
