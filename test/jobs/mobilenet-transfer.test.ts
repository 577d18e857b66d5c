import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { classZip } from '../helpers/dataset-fixtures.js';
import { nsfwjsFolder } from '../helpers/base-model-fixtures.js';

/** A colour swatch with a little per-pixel noise, so no two images are the same file. */
async function swatch(rgb: [number, number, number], seed: number): Promise<Buffer> {
  const size = 40;
  const raw = Buffer.alloc(size * size * 3);
  let s = seed * 7919 + 1;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = Math.max(0, Math.min(255, rgb[i % 3]! + ((s >> 16) % 41) - 20));
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .jpeg()
    .toBuffer();
}

/**
 * The real pretrained MobileNetV2 shipped in the nsfwjs package, registered through the upload
 * route, cut at its pooled features, with a new head trained on a small image dataset.
 */
describe('transfer from a real MobileNetV2', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '3' });
    http = api(ctx);
    ctx.startWorker();
  });
  afterAll(() => ctx.close());

  it('trains a head on pooled MobileNetV2 features and serves it', async () => {
    const { dir } = await nsfwjsFolder();
    const base = await http.form('/v1/base-models', [
      { name: 'name', data: 'mobilenet-v2' },
      { name: 'files', filename: 'model.json', data: await readFile(path.join(dir, 'model.json')) },
      {
        name: 'files',
        filename: 'group1-shard1of1',
        data: await readFile(path.join(dir, 'group1-shard1of1')),
      },
    ]);
    expect(base.status).toBe(201);

    const colours: Record<string, [number, number, number]> = {
      red: [220, 30, 30],
      green: [30, 200, 40],
      blue: [30, 40, 220],
    };
    const classes: Record<string, Buffer[]> = {};
    for (const [name, rgb] of Object.entries(colours)) {
      classes[name] = await Promise.all(
        Array.from({ length: 8 }, (_, i) => swatch(rgb, i + name.length * 100)),
      );
    }
    const ds = await http.uploadDataset(await classZip(classes), 'colours.zip'); // expects 201

    const job = await http.createJob({
      datasetId: ds.id,
      evaluation: { method: 'holdout' },
      base: { baseModelId: base.body.id },
      cutAt: 'average_pooling2d_1',
      freeze: 'all',
      head: [{ type: 'flatten' }, { type: 'dense', units: 16 }],
      compile: { optimizer: 'adam', learningRate: 0.01 },
      fit: { epochs: 8, batchSize: 8, validationSplit: 0.25 },
      seed: 11,
    }); // expects 202
    const done = await http.waitForJob(job.id, { timeoutMs: 240_000 });
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('completed');

    const model = (await http.get(`/v1/models/${done.modelId}`)).body;
    expect(model.labels).toEqual(['blue', 'green', 'red']);
    expect(model.inputShape).toEqual([224, 224, 3]);
    expect(model.preprocessing).toMatchObject({ kind: 'image', image: { size: [224, 224], scale: [0, 1] } });

    const predicted = await http.predict(done.modelId, {
      instances: [{ b64: (await swatch([225, 25, 35], 999)).toString('base64') }],
    });
    expect(predicted.status).toBe(200);
    expect(predicted.body.predictions[0].label).toBe('red');
  }, 300_000);

  /**
   * The README's "Using it" walkthrough: the offline catalog base and the job spec exactly as the
   * README writes it (a head on the frozen base, cross-validated as a small dataset is), with one
   * epoch instead of 10 to keep the suite fast; then the fine-tune the README adds to it
   * (augmentation, the top block unfrozen), read from the README's snippet, on a holdout so that
   * it costs one fit. Both complete at the first attempt.
   */
  it('runs the README walkthrough job on the offline MobileNetV2 at the first attempt', async () => {
    const readme = await readFile(path.join(process.cwd(), 'README.md'), 'utf8');
    const match = /\$API\/v1\/jobs -d '(\{[\s\S]*?\n\})'/.exec(readme);
    expect(match, 'the README job spec').toBeTruthy();
    const fineTuning = /Add to the spec\n\n```json\n([\s\S]*?)\n```/.exec(readme);
    expect(fineTuning, "the README's fine-tune snippet").toBeTruthy();

    const base = await http.post('/v1/base-models', { catalog: 'nsfwjs-mobilenet-v2' });
    expect(base.status, JSON.stringify(base.body)).toBe(201);
    const classes: Record<string, Buffer[]> = {};
    for (const [name, rgb] of Object.entries({ rose: [220, 30, 60], tulip: [240, 200, 40] } as const)) {
      classes[name] = await Promise.all(
        Array.from({ length: 21 }, (_, i) => swatch([...rgb], i + name.length)),
      );
    }
    const ds = await http.uploadDataset(await classZip(classes), 'f.zip'); // expects 201

    const spec = JSON.parse(
      match![1]!
        .replaceAll(`"'$DIGITS'"`, JSON.stringify(ds.id))
        .replaceAll(`"'$MOBILENET'"`, JSON.stringify(base.body.id)),
    );
    expect(spec).toMatchObject({ fit: { batchSize: 8 }, cutAt: 'flatten_1', freeze: 'all' });
    expect(spec).not.toHaveProperty('evaluation');
    spec.fit.epochs = 1;
    const walkthrough = await firstAttempt(spec);
    expect(walkthrough.history.map((h: { phase: string }) => h.phase)).toEqual(['train']);
    const model = (await http.get(`/v1/models/${walkthrough.modelId}`)).body;
    expect(model.evaluation).toMatchObject({ method: 'cross-validation', folds: 5, examples: 42 });

    const fineTune = {
      ...spec,
      ...JSON.parse(`{${fineTuning![1]!}}`),
      modelName: `${spec.modelName as string}-fine-tuned`,
      evaluation: { method: 'holdout' },
    };
    expect(fineTune).toMatchObject({
      fineTune: { unfreezeFrom: 'block_16_expand' },
      augment: { rotateDegrees: 10 },
    });
    fineTune.fineTune.epochs = 1;
    const done = await firstAttempt(fineTune);
    expect(done.history.map((h: { phase: string }) => h.phase)).toEqual(['train', 'fineTune']);
    const predicted = await http.predict(spec.modelName as string, {
      instances: [{ b64: (await swatch([220, 30, 60], 500)).toString('base64') }],
    });
    expect(predicted.status).toBe(200);
  }, 300_000);

  /** Posts a job and waits for it: completed at the first attempt, and the only one. */
  async function firstAttempt(spec: Record<string, unknown>) {
    const { job } = await http.trainToEnd(spec);
    expect(job.state).toBe('completed');
    expect(job.attempts).toBe(1);
    expect(job.failure).toBeUndefined();
    return job;
  }
});
