import { mulberry32, shuffle } from '../../src/lib/seeded-split.js';
import type { ApiClient, JobView } from './client.js';
import { DemoError } from './client.js';
import { mailCsv, spamAssassin, type Mail } from './mail.js';

/**
 * The demo's text part, over HTTP only: real mails (SpamAssassin) as a CSV dataset, the offline
 * Universal Sentence Encoder lite registered from the catalog, a head trained on its embeddings,
 * and the same data learned from scratch (embedding over the dataset's vocabulary), both scored
 * on held-out mails through /predict.
 */

export interface TextDemoOptions {
  perClass: number;
  heldOutPerClass: number;
  epochs: number;
  seed: number;
  jobTimeoutMs: number;
}

export interface TextDemoRow {
  model: 'transfer (USE lite, frozen)' | 'from scratch (embedding)';
  modelId: string;
  jobId: string;
  heldOutAccuracy: number;
  trainMs: number;
}

export interface TextDemoResult {
  datasetId: string;
  encoderId: string;
  rows: TextDemoRow[];
}

const CATALOG = 'universal-sentence-encoder-lite';

export async function runTextDemo(
  api: ApiClient,
  o: TextDemoOptions,
  log: (line: string) => void,
): Promise<TextDemoResult> {
  const rng = mulberry32(o.seed);
  const mails = spamAssassin();
  const byClass = (['ham', 'spam'] as const).map((l) =>
    shuffle(
      mails.filter((m) => m.label === l),
      rng,
    ),
  );
  const train: Mail[] = byClass.flatMap((ms) => ms.slice(0, o.perClass));
  const heldOut: Mail[] = byClass.flatMap((ms) => ms.slice(o.perClass, o.perClass + o.heldOutPerClass));

  const form = new FormData();
  form.append('name', `spam-assassin-${o.perClass}`);
  form.append('file', new Blob([mailCsv(train)], { type: 'text/csv' }), 'mails.csv');
  const ds = await api.postForm<{ id: string; examples: number; warnings: Array<{ code: string }> }>(
    '/v1/datasets',
    form,
  );
  log(
    `text dataset ${ds.id}: ${ds.examples} mails (ham/spam), warnings: ${ds.warnings.map((w) => w.code).join(', ') || 'none'}`,
  );
  const encoder = await api.postJson<{ id: string }>('/v1/base-models', { catalog: CATALOG });
  log(`base model ${encoder.id}: ${CATALOG} (offline, frozen feature extractor)`);

  const fit = { epochs: o.epochs, batchSize: 16, validationSplit: 0 };
  const head = [
    { type: 'dense', units: 64 },
    { type: 'dropout', rate: 0.2 },
  ];
  const common = { datasetId: ds.id, head, compile: { learningRate: 0.003 }, fit, seed: o.seed };
  const jobs = [
    {
      model: 'transfer (USE lite, frozen)' as const,
      spec: { ...common, base: { baseModelId: encoder.id }, modelName: 'demo-spam-transfer' },
    },
    {
      model: 'from scratch (embedding)' as const,
      spec: {
        ...common,
        architecture: [{ type: 'embedding', outputDim: 32 }, { type: 'globalAveragePooling1d' }],
        // Judged on held-out mails like the transfer model; its cross-validation (every fold a
        // full fit) would add nothing to that comparison.
        evaluation: { method: 'holdout' },
        modelName: 'demo-spam-scratch',
      },
    },
  ];
  const rows: TextDemoRow[] = [];
  for (const { model, spec } of jobs) {
    const created = await api.postJson<JobView>('/v1/jobs', spec);
    log(`job ${created.id}: ${model}, ${o.epochs} epochs`);
    const job = await api.followJob(created.id, () => undefined, o.jobTimeoutMs);
    if (job.state !== 'completed' || !job.modelId) {
      throw new DemoError(`job ${job.id} (${model}) ended ${job.state}: ${job.error ?? 'no error given'}`);
    }
    let correct = 0;
    for (let i = 0; i < heldOut.length; i += 32) {
      const batch = heldOut.slice(i, i + 32);
      const res = await api.postJson<{ predictions: Array<{ label: string }> }>(
        `/v1/models/${job.modelId}/predict`,
        { instances: batch.map((m) => ({ text: m.text })) },
      );
      res.predictions.forEach((p, j) => (correct += p.label === batch[j]?.label ? 1 : 0));
    }
    const trainMs =
      job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : NaN;
    const row = {
      model,
      modelId: job.modelId,
      jobId: job.id,
      heldOutAccuracy: correct / heldOut.length,
      trainMs,
    };
    log(
      `  -> model ${row.modelId}: ${(row.heldOutAccuracy * 100).toFixed(1)}% of ${heldOut.length} held-out mails right, job ${(trainMs / 1000).toFixed(1)} s`,
    );
    rows.push(row);
  }
  return { datasetId: ds.id, encoderId: encoder.id, rows };
}
