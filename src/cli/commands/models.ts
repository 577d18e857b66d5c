import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Client, Comparison, ModelMeta } from '../../client/index.js';
import { int, show, type CliContext } from '../context.js';
import { figure, table } from '../format.js';
import { followJob } from './jobs.js';

interface Evaluation {
  accuracy?: number;
  accuracyInterval?: { low: number; high: number };
  examples?: number;
  method?: string;
  perClass?: Array<{
    label?: string;
    class?: string;
    recall?: number;
    recallInterval?: { low: number; high: number };
    support?: number;
  }>;
}

function describeModel(m: ModelMeta): string {
  const e = (m.evaluation ?? {}) as Evaluation;
  const lines = [
    `${m.id}  ${m.name ?? ''} v${m.version ?? '?'}  ${m.kind ?? ''}`.replace(/ +/g, ' '),
    `labels: ${(m.labels ?? []).join(', ')}`,
    `accuracy ${figure(e.accuracy, e.accuracyInterval, e.examples)} by ${e.method ?? '-'}`,
  ];
  return lines.join('\n');
}

/** The `models` commands: inventory, aliases and promotion, retraining and downloading. */
export function modelCommands(program: Command, ctx: CliContext): void {
  const group = program.command('models').description('list, inspect, download and delete trained models');
  addInventoryCommands(group, ctx);
  addAliasCommands(group, ctx);
  addRetrainAndDownloadCommands(group, ctx);
}

/** `models list`, `get` and `delete`. */
function addInventoryCommands(group: Command, ctx: CliContext): void {
  group
    .command('list')
    .option('--name <name>', 'only the versions of this model name')
    .option('--limit <n>', 'how many', int, 20)
    .option('--offset <n>', 'from', int, 0)
    .action(async (o: { name?: string; limit: number; offset: number }) => {
      const page = await ctx.client().models.list(o);
      if (ctx.json()) return ctx.out(JSON.stringify(page));
      if (ctx.quiet()) return page.items.forEach((m) => ctx.out(m.id));
      const rows = page.items.map((m) => {
        const s = m as { accuracy?: number; metrics?: { accuracy?: number } };
        return [
          m.id,
          m.name,
          m.version,
          m.kind,
          m.createdAt,
          (s.metrics?.accuracy ?? s.accuracy)?.toFixed(2),
        ];
      });
      ctx.out(table(['id', 'name', 'version', 'kind', 'created', 'accuracy'], rows));
      ctx.note(`${page.items.length} of ${page.total}`);
    });

  group
    .command('get <idOrName>')
    .option('--version <n>', 'a version of a named model', int)
    .action(async (id: string, o: { version?: number }) =>
      show(ctx, await ctx.client().models.get(id, o.version), describeModel),
    );

  group.command('delete <id>').action(async (id: string) => {
    await ctx.client().models.delete(id);
    ctx.note(`deleted ${id}`);
  });
}

/** `models alias`, `compare` and `promote`: names that serve a version, and moving them. */
function addAliasCommands(group: Command, ctx: CliContext): void {
  group
    .command('alias <name> <alias> <version>')
    .description('point an alias (production, candidate, ...) at a version: name@alias then serves it')
    .action(async (name: string, alias: string, version: string) => {
      const move = await ctx.client().models.setAlias(name, alias, int(version));
      show(
        ctx,
        move,
        (m) =>
          `${name}@${m.alias} -> v${m.version} (${m.modelId}), was ${m.previous ? `v${m.previous}` : 'unset'}`,
      );
    });

  group
    .command('compare <a> <b>')
    .description('two classifiers on the same examples: b minus a, with a paired 95% interval')
    .action(async (a: string, b: string) =>
      show(ctx, await ctx.client().models.compare(a, b), describeComparison),
    );

  group
    .command('promote <name>')
    .description('move an alias to a version when the policy allows it (not worse by 2 points, by default)')
    .option('--version <n>', 'the version to promote (default: what --from points at)', int)
    .option('--from <alias>', 'the alias naming the candidate', 'candidate')
    .option('--to <alias>', 'the alias to move', 'production')
    .option('--policy <policy>', 'not-worse, better or manual', 'not-worse')
    .option('--margin <x>', 'accuracy margin of the policy (0.02 for not-worse)', Number)
    .action(
      async (
        name: string,
        o: { version?: number; from: string; to: string; policy: string; margin?: number },
      ) => {
        const d = await ctx.client().models.promote(name, o as Parameters<Client['models']['promote']>[1]);
        show(ctx, d, (p) =>
          [
            p.promoted
              ? `promoted: ${name}@${p.alias} is now v${p.version}`
              : `not promoted: ${name}@${p.alias} stays`,
            p.reason,
          ].join('\n'),
        );
      },
    );
}

/** `models retrain` (the next version from reviewed captures) and `download`. */
function addRetrainAndDownloadCommands(group: Command, ctx: CliContext): void {
  group
    .command('retrain <idOrName>')
    .description(
      "train the next version on the model's dataset plus its labelled review items, from the model",
    )
    .option(
      '--spec <json>',
      "top-level job spec fields that replace the model's, as JSON",
      (s) => JSON.parse(s) as unknown,
    )
    .option('--cold-start', "start the trained layers fresh instead of from the model's weights")
    .option('--no-follow', 'answer the queued job at once')
    .action(
      async (id: string, o: { spec?: Record<string, unknown>; coldStart?: boolean; follow: boolean }) => {
        const r = await ctx.client().models.retrain(id, {
          ...(o.spec ? { spec: o.spec } : {}),
          ...(o.coldStart ? { coldStart: true } : {}),
        });
        const d = r.dataset;
        ctx.note(
          `dataset ${d.id}: ${d.examples} examples, ${d.added} added from the review queue` +
            (d.skipped.length ? `, ${d.skipped.length} left out (${d.skipped[0]?.reason})` : ''),
        );
        if (!o.follow) return show(ctx, r, () => `job ${r.job.id} ${r.job.state}`);
        const job = await followJob(ctx, r.job.id);
        show(ctx, job, (j) => `job ${j.id} completed: model ${j.modelId}`);
      },
    );

  group
    .command('download <idOrName>')
    .description('the model as a zip of TF.js files')
    .option('-o, --output <file>', 'where to write it (default <id>.zip)')
    .action(async (id: string, o: { output?: string }) => {
      const bytes = await ctx.client().models.download(id);
      const file = o.output ?? `${id}.zip`;
      await writeFile(file, bytes);
      ctx.note(`wrote ${file} (${bytes.length} bytes)`);
    });
}

function describeComparison(c: Comparison): string {
  const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
  const side = (label: string, s: Comparison['a']) =>
    `${label} ${s.name ? `${s.name} v${s.version}` : s.id}: accuracy ${figure(s.accuracy, s, c.examples)}`;
  const d = c.difference;
  return [
    side('a', c.a),
    side('b', c.b),
    `b - a: ${pts(d.accuracy)} points (${pts(d.low)} to ${pts(d.high)}), ${c.verdict.replace(/-/g, ' ')}`,
  ].join('\n');
}

/** For summaries elsewhere (the advisor, jobs). */
export { describeModel };
