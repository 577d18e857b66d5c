import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Job, JobSpec } from '../../client/index.js';
import { int, num, show, type CliContext } from '../context.js';
import { figure, table } from '../format.js';
import { jobProgress } from '../job-progress.js';

interface StartFlags {
  spec?: string;
  dataset?: string;
  base?: string;
  cutAt?: string;
  head?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  folds?: number;
  evaluation?: string;
  seed?: number;
  name?: string;
  follow: boolean;
}

/** The spec file (if any), then each flag on top of it. */
async function specOf(o: StartFlags): Promise<JobSpec> {
  const spec = (o.spec ? JSON.parse(await readFile(o.spec, 'utf8')) : {}) as Record<string, unknown>;
  const merge = (key: string, patch: Record<string, unknown>) => {
    spec[key] = { ...((spec[key] as object | undefined) ?? {}), ...patch };
  };
  if (o.dataset) spec['datasetId'] = o.dataset;
  if (o.base) spec['base'] = o.base.startsWith('m_') ? { modelId: o.base } : { baseModelId: o.base };
  if (o.cutAt) spec['cutAt'] = o.cutAt;
  if (o.head) spec['head'] = JSON.parse(o.head);
  if (o.epochs !== undefined) merge('fit', { epochs: o.epochs });
  if (o.batchSize !== undefined) merge('fit', { batchSize: o.batchSize });
  if (o.learningRate !== undefined) merge('compile', { learningRate: o.learningRate });
  if (o.evaluation) merge('evaluation', { method: o.evaluation });
  if (o.folds !== undefined) merge('evaluation', { folds: o.folds });
  if (o.seed !== undefined) spec['seed'] = o.seed;
  if (o.name) spec['modelName'] = o.name;
  if (!spec['datasetId'])
    throw new Error('a job needs a dataset: --dataset <id> or "datasetId" in the spec file');
  return spec as JobSpec;
}

export function describeJob(j: Job): string {
  const lines = [`${j.id}  ${j.state}${j.modelId ? `  model ${j.modelId}` : ''}`];
  if (j.error) lines.push(`error: ${j.error}`);
  if (j.failure)
    lines.push(`attempt ${j.failure.attempt} of ${j.failure.maxAttempts} failed: ${j.failure.reason}`);
  return lines.join('\n');
}

/** Follows a job to its end; a job that did not complete is an error naming why. */
export async function followJob(ctx: CliContext, id: string): Promise<Job> {
  const progress = jobProgress(ctx);
  let job: Job;
  try {
    job = await ctx.client().jobs.follow(id, { onProgress: (j) => progress.update(j) });
  } finally {
    progress.stop();
  }
  if (job.state !== 'completed')
    throw new Error(`job ${id} ${job.state}${job.error ? `: ${job.error}` : ''}`);
  return job;
}

async function summary(ctx: CliContext, job: Job): Promise<void> {
  if (ctx.json()) return ctx.out(JSON.stringify(job));
  if (ctx.quiet()) return ctx.out(job.modelId ?? job.id);
  ctx.out(describeJob(job));
  if (!job.modelId) return;
  const model = await ctx.client().models.get(job.modelId);
  const e = (model.evaluation ?? {}) as {
    accuracy?: number;
    accuracyInterval?: { low: number; high: number };
    examples?: number;
    method?: string;
  };
  ctx.out(
    `${model.name ?? model.id}: accuracy ${figure(e.accuracy, e.accuracyInterval, e.examples)} by ${e.method ?? '-'}`,
  );
}

export function jobCommands(program: Command, ctx: CliContext): void {
  const group = program.command('jobs').description('start, follow, list and cancel training jobs');

  group
    .command('start [spec]')
    .alias('train')
    .description('start a job from a spec file (JSON) and/or flags, and follow it to its end')
    .option('--dataset <id>', 'datasetId')
    .option('--base <id>', 'base model id (bm_...) or trained model id (m_...)')
    .option('--cut-at <layer>', 'cutAt: the layer to cut the base at')
    .option('--head <json>', 'head layers as JSON, e.g. \'[{"type":"dense","units":64}]\'')
    .option('--epochs <n>', 'fit.epochs', int)
    .option('--batch-size <n>', 'fit.batchSize', int)
    .option('--learning-rate <x>', 'compile.learningRate', num)
    .option('--evaluation <method>', 'evaluation.method: auto, cross-validation or holdout')
    .option('--folds <n>', 'evaluation.folds', int)
    .option('--seed <n>', 'seed', int)
    .option('--name <name>', 'modelName: the name the model is served by')
    .option('--no-follow', 'answer the queued job at once')
    .action(async (file: string | undefined, o: StartFlags) => {
      const job = await ctx.client().jobs.create(await specOf({ ...o, ...(file ? { spec: file } : {}) }));
      if (!o.follow) return show(ctx, job, describeJob);
      ctx.note(`job ${job.id} ${job.state}`);
      await summary(ctx, await followJob(ctx, job.id));
    });

  group
    .command('follow <id>')
    .description('follow a job to its end')
    .action(async (id: string) => summary(ctx, await followJob(ctx, id)));

  group
    .command('list')
    .option('--state <state>', 'queued, running, completed, failed or cancelled')
    .option('--limit <n>', 'how many', int, 20)
    .option('--offset <n>', 'from', int, 0)
    .action(async (o: { state?: Job['state']; limit: number; offset: number }) => {
      const page = await ctx.client().jobs.list(o);
      if (ctx.json()) return ctx.out(JSON.stringify(page));
      if (ctx.quiet()) return page.items.forEach((j) => ctx.out(j.id));
      const rows = page.items.map((j) => [j.id, j.state, j.createdAt, j.spec.datasetId, j.modelId, j.error]);
      ctx.out(table(['id', 'state', 'created', 'dataset', 'model', 'error'], rows));
      ctx.note(`${page.items.length} of ${page.total}`);
    });

  group
    .command('get <id>')
    .action(async (id: string) => show(ctx, await ctx.client().jobs.get(id), describeJob));

  group
    .command('cancel <id>')
    .action(async (id: string) => show(ctx, await ctx.client().jobs.cancel(id), describeJob));
}
