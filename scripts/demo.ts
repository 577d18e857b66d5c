/**
 * End-to-end demo against a running service, through its HTTP API only:
 *
 *   1. checks /readyz;
 *   2. uploads real MNIST digits 0-4 as a dataset (PNG files, one folder per class, zipped);
 *   3. trains a small CNN on them from scratch, following the job over Server-Sent Events;
 *   4. uploads a few examples of each new digit 5-9 (several disjoint draws of them);
 *   5. for each draw, transfers: the 0-4 CNN cut at its flatten layer, frozen, with a new dense
 *      head, cross-validated (its accuracy estimate with a 95% interval, the model refit on every
 *      image); and, for comparison, the same network trained from scratch on the same images for
 *      the same epochs;
 *   6. asks /predict for held-out digits (never trained on) and scores every model;
 *   7. prints a table and what it shows (one draw can be luck, so the verdict needs all draws);
 *   8. text: real mails (SpamAssassin) as a CSV, USE lite from the catalog, a head on its
 *      embeddings vs an embedding model from scratch, scored on held-out mails (DEMO_TEXT=0 skips).
 *
 *   npm run demo                      (service on http://127.0.0.1:3000)
 *   DEMO_URL=http://host:3000 DEMO_API_KEY=... DEMO_PER_CLASS=5 npm run demo
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ApiClient, DemoError, type EpochEntry, type JobView } from './demo/client.js';
import { available, classZip, heldOutImages, trainingImages, type LabelledImage } from './demo/digits.js';
import {
  compare,
  conclusion,
  formatEstimate,
  formatTable,
  type Comparison,
  type DemoRow,
  type Estimate,
} from './demo/report.js';
import { runTextDemo, type TextDemoResult } from './demo/text.js';

export { DemoError } from './demo/client.js';
export type { Comparison, DemoRow } from './demo/report.js';

const SOURCE_DIGITS = [0, 1, 2, 3, 4];
const TARGET_DIGITS = [5, 6, 7, 8, 9];
/** The named layer the transfer job cuts at: the end of the convolutional feature extractor. */
const CUT_AT = 'features';
const PREDICT_BATCH = 64;

/**
 * The feature extractor shared by the source model and the from-scratch baseline. Both use the
 * same head, optimizer, learning rate, batch size and epochs: the baseline is never handicapped.
 */
const ARCHITECTURE = [
  { type: 'conv2d', filters: 8, kernelSize: 3, name: 'conv_1' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'conv2d', filters: 16, kernelSize: 3, name: 'conv_2' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'flatten', name: CUT_AT },
];
const HEAD = [{ type: 'dense', units: 32 }];
const COMPILE = { optimizer: 'adam', learningRate: 0.003 };
const INPUT = { size: [28, 28], channels: 1 };

export const demoOptionsSchema = z.object({
  baseUrl: z.url().default('http://127.0.0.1:3000'),
  apiKey: z.string().min(1).optional(),
  /** Training examples of each digit 0-4 for the source model. */
  sourcePerClass: z.number().int().min(2).default(800),
  sourceEpochs: z.number().int().min(1).max(100).default(5),
  /** Training examples of each digit 5-9: the "small data" of transfer learning. */
  perClass: z.number().int().min(1).default(10),
  /** Epochs of the transfer job and of the from-scratch baseline alike. */
  epochs: z.number().int().min(1).max(500).default(30),
  /** Disjoint draws of training images; each is learned by transfer and from scratch. */
  draws: z.number().int().min(1).max(20).default(3),
  /** Held-out examples of each digit, scored through /predict. */
  heldOutPerClass: z.number().int().min(1).default(100),
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
  jobTimeoutMs: z.number().int().min(1_000).default(600_000),
  /** The text part: mails per class to train on (0 skips it) and held out. */
  textPerClass: z.number().int().min(0).default(50),
  textHeldOutPerClass: z.number().int().min(1).default(50),
});
/** The environment variable behind each option, for the CLI and for error messages. */
const ENV_NAMES: Record<string, string> = {
  baseUrl: 'DEMO_URL',
  apiKey: 'DEMO_API_KEY',
  sourcePerClass: 'DEMO_SOURCE_PER_CLASS',
  sourceEpochs: 'DEMO_SOURCE_EPOCHS',
  perClass: 'DEMO_PER_CLASS',
  epochs: 'DEMO_EPOCHS',
  draws: 'DEMO_DRAWS',
  heldOutPerClass: 'DEMO_HELD_OUT_PER_CLASS',
  seed: 'DEMO_SEED',
  jobTimeoutMs: 'DEMO_JOB_TIMEOUT_S',
  textPerClass: 'DEMO_TEXT',
  textHeldOutPerClass: 'DEMO_TEXT_HELD_OUT',
};
export type DemoOptions = z.input<typeof demoOptionsSchema> & { log?: (line: string) => void };

export interface DemoResult {
  baseUrl: string;
  backend: string;
  /** The source model (digits 0-4), then transfer and from scratch (5-9) for each draw. */
  rows: DemoRow[];
  comparison: Comparison;
  datasets: { source: string; targets: string[] };
  /** The base recorded in each transfer model's lineage (GET /v1/models/:id), by draw. */
  transferBases: Array<{ modelId?: string; baseModelId?: string } | null>;
  table: string;
  conclusion: string;
  /** The text part (absent with textPerClass 0). */
  text?: TextDemoResult;
  totalMs: number;
}

interface Readiness {
  status: string;
  backend?: { name: string; package: string; gpu: boolean };
}
interface Dataset {
  id: string;
  examples: number;
  classes: Array<{ name: string; count: number }>;
}
interface ModelMeta {
  id: string;
  labels: string[];
  lineage: { base?: { modelId?: string; baseModelId?: string } | null };
  evaluation?: {
    method?: string;
    accuracy?: number;
    accuracyInterval?: { low: number; high: number };
    examples?: number;
    folds?: number;
    forecast?: { message?: string };
  };
}
interface Prediction {
  label: string;
  score: number;
}

export async function runDemo(input: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const parsed = demoOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new DemoError(
      'bad demo options: ' +
        parsed.error.issues
          .map((i) => {
            const key = String(i.path[0]);
            return `${key}${ENV_NAMES[key] ? ` (${ENV_NAMES[key]})` : ''}: ${i.message}`;
          })
          .join('; '),
    );
  }
  const o = parsed.data;
  const log = input.log ?? ((line: string) => console.log(line));
  checkSizes(o);
  const api = new ApiClient(o.baseUrl, o.apiKey);

  const ready = await api.get<Readiness>('/readyz');
  const backend = ready.backend ? `${ready.backend.name} (${ready.backend.package})` : 'unknown';
  log(`service ready at ${o.baseUrl}, TF.js backend ${backend}`);

  const upload = async (name: string, images: LabelledImage[]): Promise<Dataset> => {
    const form = new FormData();
    form.append('name', name);
    form.append('file', new Blob([await classZip(images)], { type: 'application/zip' }), `${name}.zip`);
    const ds = await api.postForm<Dataset>('/v1/datasets', form);
    log(
      `dataset ${ds.id} "${name}": ${ds.examples} images, classes ${ds.classes.map((c) => c.name).join(' ')}`,
    );
    return ds;
  };

  const train = async (what: string, spec: Record<string, unknown>): Promise<JobView> => {
    const created = await api.postJson<JobView>('/v1/jobs', spec);
    log(`job ${created.id}: ${what}`);
    let printed = 0;
    const job = await api.followJob(
      created.id,
      (view) => {
        for (const h of view.history.slice(printed)) log(epochLine(h, view.spec));
        printed = Math.max(printed, view.history.length);
      },
      o.jobTimeoutMs,
    );
    if (job.state !== 'completed' || !job.modelId) {
      throw new DemoError(`job ${job.id} (${what}) ended ${job.state}: ${job.error ?? 'no error given'}`);
    }
    log(`  -> model ${job.modelId} in ${secs(jobMs(job))}`);
    return job;
  };

  const scoreRow = async (
    job: JobView,
    fields: Omit<
      DemoRow,
      'modelId' | 'jobId' | 'heldOutAccuracy' | 'heldOutExamples' | 'trainMs' | 'predictPerSec'
    >,
    images: LabelledImage[],
  ): Promise<DemoRow> => {
    const s = await scoreModel(api, job.modelId as string, images);
    log(
      `  predict ${job.modelId}: ${pct(s.accuracy)} of ${images.length} held-out digits right, ${Math.round(s.perSec)} img/s`,
    );
    return {
      ...fields,
      modelId: job.modelId as string,
      jobId: job.id,
      heldOutAccuracy: s.accuracy,
      heldOutExamples: images.length,
      trainMs: jobMs(job),
      predictPerSec: s.perSec,
    };
  };

  // Source model: a CNN trained from scratch on plenty of digits 0-4.
  const sourceSet = await upload('mnist-0-4', await trainingImages(SOURCE_DIGITS, o.sourcePerClass));
  const sourceJob = await train(`source CNN on digits 0-4, ${o.sourceEpochs} epochs`, {
    datasetId: sourceSet.id,
    architecture: ARCHITECTURE,
    head: HEAD,
    input: INPUT,
    compile: COMPILE,
    fit: { epochs: o.sourceEpochs, batchSize: 32, validationSplit: 0.1 },
    // The source model stands in for a pretrained base learned on plenty of data: one fit
    // checked on a held-out split, as the service does by itself at 200 examples per class or more.
    evaluation: { method: 'holdout' },
    seed: o.seed,
    modelName: 'demo-mnist-source',
  });
  const sourceModelId = sourceJob.modelId as string;
  // Held-out digits come from the end of each digit's list; every training draw from its start.
  const rows = [
    await scoreRow(
      sourceJob,
      {
        kind: 'source',
        model: 'source CNN',
        digits: '0-4',
        examplesPerClass: o.sourcePerClass,
        epochs: o.sourceEpochs,
      },
      await heldOutImages(SOURCE_DIGITS, o.heldOutPerClass),
    ),
  ];

  // The new task: digits 5-9 from a few examples each, all of them used for training. The
  // transfer job is cross-validated (the service's default on small data): it reports its
  // accuracy with a 95% interval and returns a model refit on every image.
  const heldOut59 = await heldOutImages(TARGET_DIGITS, o.heldOutPerClass);
  const fit = { epochs: o.epochs, batchSize: Math.min(32, Math.max(8, o.perClass)), validationSplit: 0 };
  const targets: string[] = [];
  const transferBases: DemoResult['transferBases'] = [];
  for (let draw = 1; draw <= o.draws; draw++) {
    const images = await trainingImages(TARGET_DIGITS, o.perClass, (draw - 1) * o.perClass);
    const set = await upload(`mnist-5-9-${o.perClass}-draw-${draw}`, images);
    targets.push(set.id);
    const common = { datasetId: set.id, head: HEAD, compile: COMPILE, fit, seed: o.seed + draw };
    const transferJob = await train(
      `draw ${draw}: transfer from ${sourceModelId}, cut at "${CUT_AT}", frozen`,
      {
        ...common,
        base: { modelId: sourceModelId },
        cutAt: CUT_AT,
        freeze: 'all',
        modelName: 'demo-mnist-transfer',
      },
    );
    const meta = await api.get<ModelMeta>(`/v1/models/${transferJob.modelId}`);
    const estimate = estimateOf(meta);
    if (estimate) {
      log(
        `  cross-validated estimate: ${formatEstimate(estimate)} out-of-fold predictions, ${estimate.folds} folds; ` +
          `model refit on all ${o.perClass * TARGET_DIGITS.length} images`,
      );
      if (meta.evaluation?.forecast?.message) log(`  forecast: ${meta.evaluation.forecast.message}`);
    }
    // The baseline is judged like the transfer model, on held-out digits through /predict; its
    // own cross-validation (no frozen prefix to share: every fold and learning-curve point a full
    // fit) would cost several times the job and add nothing to that comparison.
    const scratchJob = await train(`draw ${draw}: the same CNN from scratch, same images and epochs`, {
      ...common,
      architecture: ARCHITECTURE,
      input: INPUT,
      evaluation: { method: 'holdout' },
      modelName: 'demo-mnist-scratch',
    });
    const same = { digits: '5-9', draw, examplesPerClass: o.perClass, epochs: o.epochs };
    rows.push(
      await scoreRow(
        transferJob,
        { kind: 'transfer', model: 'transfer (frozen)', ...same, ...(estimate ? { estimate } : {}) },
        heldOut59,
      ),
    );
    rows.push(await scoreRow(scratchJob, { kind: 'scratch', model: 'from scratch', ...same }, heldOut59));
    transferBases.push(meta.lineage.base ?? null);
    log(`  lineage of ${meta.id}: base ${JSON.stringify(meta.lineage.base ?? null)}`);
  }

  let textPart: TextDemoResult | undefined;
  if (o.textPerClass > 0) {
    log('');
    textPart = await runTextDemo(
      api,
      {
        perClass: o.textPerClass,
        heldOutPerClass: o.textHeldOutPerClass,
        epochs: o.epochs,
        seed: o.seed,
        jobTimeoutMs: o.jobTimeoutMs,
      },
      log,
    );
  }

  const comparison = compare(rows);
  const table = formatTable(rows, comparison);
  const text = conclusion(comparison);
  const totalMs = Date.now() - started;
  log('');
  log(table);
  log('');
  log(text);
  log(`(demo took ${secs(totalMs)})`);
  return {
    baseUrl: o.baseUrl,
    backend,
    rows,
    comparison,
    datasets: { source: sourceSet.id, targets },
    transferBases,
    table,
    conclusion: text,
    ...(textPart ? { text: textPart } : {}),
    totalMs,
  };
}

/** Held-out sets come from the end of each digit's list; they must not reach the training part. */
function checkSizes(o: z.output<typeof demoOptionsSchema>): void {
  const check = (digits: number[], train: number, what: string) => {
    const n = available(digits);
    if (train + o.heldOutPerClass > n) {
      throw new DemoError(
        `${what} (${train}) + held-out per class (${o.heldOutPerClass}) must be at most ${n}, ` +
          `the examples the mnist package has of each of digits ${digits.join(',')}`,
      );
    }
  };
  check(SOURCE_DIGITS, o.sourcePerClass, 'source examples per class');
  check(TARGET_DIGITS, o.perClass * o.draws, 'examples per class x draws');
}

/** Accuracy and throughput of /predict on labelled images, in sequential requests of 64. */
async function scoreModel(
  api: ApiClient,
  modelId: string,
  images: LabelledImage[],
): Promise<{ accuracy: number; perSec: number }> {
  const b64 = images.map((i) => ({ b64: i.png.toString('base64') }));
  const path = `/v1/models/${modelId}/predict`;
  // The first request loads the model into an inference worker; throughput is measured warm.
  await api.postJson(path, { instances: b64.slice(0, 1) });
  let correct = 0;
  const t0 = performance.now();
  for (let i = 0; i < b64.length; i += PREDICT_BATCH) {
    const res = await api.postJson<{ predictions: Prediction[] }>(path, {
      instances: b64.slice(i, i + PREDICT_BATCH),
    });
    res.predictions.forEach((p, j) => {
      if (p.label === images[i + j]?.label) correct++;
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { accuracy: correct / images.length, perSec: images.length / seconds };
}

/** The job's cross-validated accuracy estimate, when its evaluation is one. */
function estimateOf(meta: ModelMeta): Estimate | undefined {
  const ev = meta.evaluation;
  if (ev?.method !== 'cross-validation' || ev.accuracy === undefined || !ev.accuracyInterval)
    return undefined;
  return {
    accuracy: ev.accuracy,
    low: ev.accuracyInterval.low,
    high: ev.accuracyInterval.high,
    examples: ev.examples ?? 0,
    folds: ev.folds ?? 0,
  };
}

function jobMs(job: JobView): number {
  return job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : NaN;
}

function epochLine(h: EpochEntry, spec: JobView['spec']): string {
  const epochs = h.phase === 'train' ? spec.fit?.epochs : spec.fineTune?.epochs;
  const parts = [
    `  ${h.phase === 'train' ? 'epoch' : h.phase} ${String(h.epoch).padStart(2)}${epochs ? `/${epochs}` : ''}`,
    `loss ${h.loss.toFixed(3)}`,
  ];
  if (h.acc !== undefined) parts.push(`acc ${h.acc.toFixed(3)}`);
  if (h.valAcc !== undefined) parts.push(`val_acc ${h.valAcc.toFixed(3)}`);
  if (h.examplesPerSec !== undefined) parts.push(`${Math.round(h.examplesPerSec)} ex/s`);
  return parts.join('  ');
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** DEMO_* environment variables as options; the CLI's only contact with the environment. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): DemoOptions {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v.trim())) throw new DemoError(`${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
  const out: DemoOptions = {};
  if (env['DEMO_URL']) out.baseUrl = env['DEMO_URL'];
  if (env['DEMO_API_KEY']) out.apiKey = env['DEMO_API_KEY'];
  for (const key of [
    'textPerClass',
    'textHeldOutPerClass',
    'sourcePerClass',
    'sourceEpochs',
    'perClass',
    'epochs',
    'draws',
    'heldOutPerClass',
    'seed',
  ]) {
    const v = int(ENV_NAMES[key] as string);
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  const timeout = int('DEMO_JOB_TIMEOUT_S');
  if (timeout !== undefined) out.jobTimeoutMs = timeout * 1000;
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await runDemo(optionsFromEnv(process.env));
  } catch (err) {
    console.error(`demo failed: ${err instanceof DemoError ? err.message : (err as Error).stack}`);
    process.exitCode = 1;
  }
}
