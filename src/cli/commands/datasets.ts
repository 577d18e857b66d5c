import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Dataset } from '../../client/index.js';
import { int, show, type CliContext } from '../context.js';
import { table } from '../format.js';
import { zipFolder } from '../zip-folder.js';

function describe(d: Dataset): string {
  const classes = (d.classes ?? []).map((c: { name: string; count: number }) => `${c.name} (${c.count})`);
  const warnings = (d.warnings ?? []).map((w: { message?: string; code?: string }) => w.message ?? w.code);
  return [
    `${d.id}  ${d.name}  ${d.kind}, ${d.examples} examples`,
    classes.length ? `classes: ${classes.join(', ')}` : '',
    ...warnings.map((w: unknown) => `warning: ${String(w)}`),
  ]
    .filter(Boolean)
    .join('\n');
}

export function datasetCommands(program: Command, ctx: CliContext): void {
  const group = program.command('datasets').description('upload, list, inspect and delete datasets');

  group
    .command('upload <path>')
    .description('upload a zip, CSV or JSONL file, or a folder (one sub-folder per class), zipped on the fly')
    .option('--name <name>', 'display name (default: the file name)')
    .option('--label-column <column>', 'CSV/JSONL: the column holding the label')
    .option('--text-column <column>', 'CSV/JSONL: the column holding the text')
    .option('--task <task>', 'CSV: classification or regression')
    .action(
      async (
        file: string,
        o: { name?: string; labelColumn?: string; textColumn?: string; task?: string },
      ) => {
        const folder = (await stat(file)).isDirectory() ? await zipFolder(file) : undefined;
        try {
          if (folder) ctx.note(`zipped ${file} into ${folder.file}`);
          const dataset = await ctx.client().datasets.upload({
            file: folder?.file ?? file,
            name: o.name,
            labelColumn: o.labelColumn,
            textColumn: o.textColumn,
            task: o.task as 'classification' | 'regression' | undefined,
          });
          show(ctx, dataset, describe);
        } finally {
          await folder?.cleanup();
        }
      },
    );

  group
    .command('list')
    .option('--limit <n>', 'how many', int, 20)
    .option('--offset <n>', 'from', int, 0)
    .action(async (o: { limit: number; offset: number }) => {
      const page = await ctx.client().datasets.list(o);
      if (ctx.json()) return ctx.out(JSON.stringify(page));
      if (ctx.quiet()) return page.items.forEach((d) => ctx.out(d.id));
      ctx.out(
        table(
          ['id', 'name', 'kind', 'examples', 'classes'],
          page.items.map((d) => [d.id, d.name, d.kind, d.examples, (d.classes ?? []).length]),
        ),
      );
      ctx.note(`${page.items.length} of ${page.total}`);
    });

  group
    .command('get <id>')
    .action(async (id: string) => show(ctx, await ctx.client().datasets.get(id), describe));

  group.command('delete <id>').action(async (id: string) => {
    await ctx.client().datasets.delete(id);
    ctx.note(`deleted ${id}`);
  });
}
