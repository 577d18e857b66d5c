/**
 * PNGs of every dashboard view, for the README: builds the service in-process with a real
 * worker (temporary DATA_DIR and queue prefix, so nothing of yours is touched), uploads a small
 * generated "shapes" dataset, trains on it from the New job form, and photographs each page in
 * Debian's Chromium.
 *
 *   npm run screenshots          (needs Redis on REDIS_URL and /usr/bin/chromium)
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildTestApp } from '../test/helpers/app.js';
import { launchChromium, watchedPage } from '../test/helpers/browser.js';
import { zipOf, type ZipItem } from '../test/helpers/dataset-fixtures.js';

const OUT = path.resolve('docs/screenshots');
const SIZE = 32;
const SHAPES = ['circle', 'square', 'stripes'] as const;
type Shape = (typeof SHAPES)[number];

/** A shape in a random colour on a light, slightly noisy background. */
async function shapeImage(shape: Shape, seed: number): Promise<Buffer> {
  let s = seed * 7919 + 17;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const colour = [40 + rand() * 160, 40 + rand() * 160, 40 + rand() * 160];
  const px = Buffer.alloc(SIZE * SIZE * 3);
  const cx = 12 + rand() * 8;
  const cy = 12 + rand() * 8;
  const r = 5 + rand() * 4;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside =
        shape === 'circle'
          ? (x - cx) ** 2 + (y - cy) ** 2 < r * r
          : shape === 'square'
            ? Math.abs(x - cx) < r * 0.85 && Math.abs(y - cy) < r * 0.85
            : Math.floor((x + y) / 4) % 2 === 0;
      for (let c = 0; c < 3; c++) {
        const bg = 225 + rand() * 25;
        px[(y * SIZE + x) * 3 + c] = inside ? colour[c]! : bg;
      }
    }
  }
  return sharp(px, { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .png()
    .toBuffer();
}

async function shapesZip(perClass: number): Promise<Buffer> {
  const items: ZipItem[] = [];
  for (const shape of SHAPES) {
    for (let i = 0; i < perClass; i++) {
      items.push({
        name: `${shape}/${i}.png`,
        data: await shapeImage(shape, SHAPES.indexOf(shape) * 1000 + i),
      });
    }
  }
  return zipOf(items);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // let charts and images settle
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const ctx = await buildTestApp({ JOB_ATTEMPTS: '1', LOG_LEVEL: 'warn' });
  const keyed = await buildTestApp({ API_KEYS: 'screenshot-key', LOG_LEVEL: 'warn' });
  const browser = await launchChromium({ width: 1280, height: 900 });
  try {
    ctx.startWorker();
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    await keyed.app.listen({ host: '127.0.0.1', port: 0 });
    const portOf = (s: typeof ctx.app.server) => (s.address() as { port: number }).port;
    const base = `http://127.0.0.1:${portOf(ctx.app.server)}`;
    const { page, pageErrors, consoleErrors } = await watchedPage(browser.context);

    // Datasets: upload through the file input, then the dataset's page.
    await page.goto(`${base}/`);
    await page.getByLabel('Name (optional)').fill('shapes');
    await page.setInputFiles('#dataset-file', {
      name: 'shapes.zip',
      mimeType: 'application/zip',
      buffer: await shapesZip(40),
    });
    await page.getByRole('heading', { name: 'shapes', level: 1 }).waitFor();
    await page.locator('[data-testid="thumbnails"] img').first().waitFor();
    await shot(page, '02-dataset');

    // New job: the API's validation errors beside their fields, then a real job.
    await page.getByRole('link', { name: 'Train on this dataset' }).click();
    await page.getByRole('heading', { name: 'New training job' }).waitFor();
    await page.getByLabel('Epochs').fill('0');
    await page.getByLabel('Validation split').fill('1.5');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('job-errors').waitFor();
    await shot(page, '04-new-job-errors');
    await page.getByLabel('Epochs').fill('30');
    await page.getByLabel('Validation split').fill('0.25');
    await page.getByLabel('Batch size').fill('8');
    await page.getByLabel('Seed').fill('3');
    await page.getByLabel('Model name (versions are numbered)').fill('shapes');
    await page.locator('#job-earlyStopping').uncheck();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/jobs\/(?!new)[A-Za-z0-9_-]+$/);

    // The job, live (caught mid-run), then finished.
    const chart = page.getByTestId('job-curves-loss');
    await chart.waitFor();
    for (let i = 0; i < 600; i++) {
      const n = Number(await chart.getAttribute('data-points'));
      const state = await page.getByTestId('job-status').getAttribute('data-state');
      if (n >= 8 || state !== 'running') break;
      await page.waitForTimeout(100);
    }
    await shot(page, '05-job-live');
    const status = page.getByTestId('job-status');
    for (let i = 0; i < 1200 && (await status.getAttribute('data-state')) !== 'completed'; i++) {
      await page.waitForTimeout(250);
    }

    await page.getByRole('link', { name: 'Open the model' }).click();
    await page.getByTestId('model-accuracy').waitFor();
    await page.setInputFiles('#predict-file', {
      name: 'stripes.png',
      mimeType: 'image/png',
      buffer: await shapeImage('stripes', 12_345),
    });
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.getByTestId('predicted-label').waitFor();
    await shot(page, '07-model');

    // The trained model's layer table, as a base for the next job (cut + fine-tune chosen).
    const modelId = /#\/models\/(m_[0-9a-z]+)/.exec(page.url())?.[1];
    await page.goto(`${base}/#/base-models/${modelId}`);
    await page.getByTestId('layers-table').waitFor();
    await page.locator('input[name="cut"]').nth(3).check();
    await page.locator('input[name="unfreeze"]').nth(1).check();
    await shot(page, '03-layers');

    for (const [hash, name] of [
      ['#/datasets', '01-datasets'],
      ['#/base-models', '03-base-models'],
      ['#/jobs', '05-jobs'],
      ['#/models', '06-models'],
    ] as const) {
      await page.goto(`${base}/${hash}`);
      await page.locator('main table').first().waitFor();
      await shot(page, name);
    }

    const keyedPage = await browser.context.newPage();
    await keyedPage.goto(`http://127.0.0.1:${portOf(keyed.app.server)}/`);
    await keyedPage.getByTestId('key-prompt').waitFor();
    await shot(keyedPage, '08-api-key');

    if (pageErrors.length > 0 || consoleErrors.some((e) => !/status of 400/.test(e))) {
      throw new Error(`the page reported errors: ${[...pageErrors, ...consoleErrors].join('\n')}`);
    }
  } finally {
    await browser.close();
    await keyed.close();
    await ctx.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
