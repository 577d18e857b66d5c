import type { Command } from 'commander';
import type { BaseModel } from '../../client/index.js';
import { int, show, type CliContext } from '../context.js';
import { table } from '../format.js';

const describeBase = (b: BaseModel): string => `${b.id}  ${b.name}`;

export function baseModelCommands(program: Command, ctx: CliContext): void {
  const group = program
    .command('base-models')
    .description('register, list, inspect and delete pretrained bases');

  group
    .command('add [files...]')
    .description(
      'register a base: --catalog <name>, --url <model.json URL>, or model.json and its shards (or one zip)',
    )
    .option('--catalog <name>', 'a catalog entry (see base-models catalog)')
    .option('--url <url>', 'the URL of a model.json')
    .option('--name <name>', 'display name')
    .action(async (files: string[], o: { catalog?: string; url?: string; name?: string }) => {
      const c = ctx.client().baseModels;
      const named = o.name ? { name: o.name } : {};
      const base = o.catalog
        ? await c.register({ catalog: o.catalog, ...named })
        : o.url
          ? await c.register({ url: o.url, ...named })
          : files.length > 0
            ? await c.upload(files, o.name)
            : undefined;
      if (!base)
        throw new Error('say which base: --catalog <name>, --url <url>, or model.json and its shards');
      show(ctx, base, describeBase);
    });

  group.command('catalog').action(async () => {
    const items = await ctx.client().baseModels.catalog();
    if (ctx.json()) return ctx.out(JSON.stringify({ items }));
    ctx.out(
      table(
        ['name', 'description'],
        items.map((i) => [i.name, (i as { description?: string }).description]),
      ),
    );
  });

  group
    .command('list')
    .option('--limit <n>', 'how many', int, 20)
    .option('--offset <n>', 'from', int, 0)
    .action(async (o: { limit: number; offset: number }) => {
      const page = await ctx.client().baseModels.list(o);
      if (ctx.json()) return ctx.out(JSON.stringify(page));
      if (ctx.quiet()) return page.items.forEach((b) => ctx.out(b.id));
      ctx.out(
        table(
          ['id', 'name'],
          page.items.map((b) => [b.id, b.name]),
        ),
      );
    });

  group
    .command('get <id>')
    .action(async (id: string) => show(ctx, await ctx.client().baseModels.get(id), describeBase));

  group.command('layers <id>').action(async (id: string) => {
    const listing = await ctx.client().baseModels.layers(id);
    if (ctx.json()) return ctx.out(JSON.stringify(listing));
    const layers = (listing as { layers: Array<Record<string, unknown>> }).layers;
    const rows = layers.map((l) => [
      l['index'],
      l['name'],
      l['className'] ?? l['class'],
      JSON.stringify(l['outputShape']),
      l['params'] as number,
      String(l['trainable']),
    ]);
    ctx.out(table(['#', 'name', 'class', 'output', 'params', 'trainable'], rows as never));
  });

  group.command('delete <id>').action(async (id: string) => {
    await ctx.client().baseModels.delete(id);
    ctx.note(`deleted ${id}`);
  });
}
