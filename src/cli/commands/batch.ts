import { stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { BatchPrediction } from '../../client/index.js';
import { int, show, type CliContext } from '../context.js';
import { zipFolder } from '../zip-folder.js';

function summary(b: BatchPrediction): string {
  const c = b.counts;
  const counts = c ? `${c.succeeded} scored, ${c.errors} unreadable, of ${c.total}` : '';
  return [`${b.id} ${b.state}`, counts, b.error ? `error: ${b.error}` : ''].filter(Boolean).join('\n');
}

interface RunFlags {
  dataset?: boolean;
  version?: number;
  topK?: number;
  out?: string;
  format: 'jsonl' | 'csv';
}

export function batchCommands(program: Command, ctx: CliContext): void {
  const group = program
    .command('batch')
    .description('score many inputs as one job: a zip of images, a JSONL or CSV, or a stored dataset');

  group
    .command('run <model> <input>')
    .description(
      'score <input> (a zip, JSONL or CSV file, a folder of images zipped on the fly, or a dataset id with --dataset), follow it, save its results',
    )
    .option('--dataset', '<input> is a stored dataset id')
    .option('--version <n>', 'the model version, when <model> is a name', int)
    .option('--top-k <n>', 'scores kept per input (default 3)', int)
    .option('-o, --out <file>', 'save the results here (default: print them)')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .action(async (model: string, input: string, o: RunFlags) => {
      const client = ctx.client();
      const folder = !o.dataset && (await stat(input)).isDirectory() ? await zipFolder(input) : undefined;
      const started = await (
        o.dataset
          ? client.batchPredictions.ofDataset(model, input, o.topK)
          : client.batchPredictions.upload({
              file: folder?.file ?? input,
              modelId: model,
              ...(o.version === undefined ? {} : { version: o.version }),
              ...(o.topK === undefined ? {} : { topK: o.topK }),
            })
      ).finally(() => folder?.cleanup());
      ctx.note(`batch ${started.id} ${started.state}`);
      let last = '';
      const done = await client.batchPredictions.follow(started.id, {
        onProgress: (b) => {
          const p = b.progress;
          const line = p ? `  ${p.phase} ${p.processed ?? 0}${p.total ? `/${p.total}` : ''}` : '';
          if (line && line !== last) ctx.note(line);
          last = line;
        },
      });
      if (done.state !== 'completed') throw new Error(`batch ${done.id} ${done.state}: ${done.error ?? ''}`);
      const results = await client.batchPredictions.results(done.id, o.format);
      if (o.out) {
        await writeFile(o.out, results);
        ctx.note(`results: ${o.out}`);
      } else if (!ctx.json() && !ctx.quiet()) {
        ctx.out(Buffer.from(results).toString('utf8').trimEnd());
      }
      show(ctx, done, summary);
    });

  group.command('get <id>').action(async (id: string) => {
    show(ctx, await ctx.client().batchPredictions.get(id), summary);
  });

  group.command('cancel <id>').action(async (id: string) => {
    show(ctx, await ctx.client().batchPredictions.cancel(id), summary);
  });

  group
    .command('results <id>')
    .option('-o, --out <file>', 'save them here (default: print them)')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .action(async (id: string, o: { out?: string; format: 'jsonl' | 'csv' }) => {
      const results = await ctx.client().batchPredictions.results(id, o.format);
      if (o.out) await writeFile(o.out, results);
      else ctx.out(Buffer.from(results).toString('utf8').trimEnd());
    });
}
