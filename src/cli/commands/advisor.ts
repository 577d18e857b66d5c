import type { Command } from 'commander';
import type { AdvisorRun } from '../../client/index.js';
import { int, type CliContext } from '../context.js';
import { figure, fmt, table } from '../format.js';

function ranking(run: AdvisorRun): string {
  const rows = (run.ranking ?? []).map((r) => {
    const e = r as typeof r & { msPerExample?: number; differenceToPick?: { tied?: boolean } };
    return [
      r.rank,
      r.baseName ?? ('baseModelId' in r.base ? r.base.baseModelId : r.base.modelId),
      r.cutAt,
      figure(r.accuracy, r.accuracyInterval, run.examples),
      fmt(e.msPerExample, 1),
      e.differenceToPick?.tied ? 'tied with pick' : '',
    ];
  });
  const rec = run.recommendation as { reason?: string } | undefined;
  return [
    table(['rank', 'base', 'cut', 'accuracy (95%, examples)', 'ms/example', ''], rows),
    rec?.reason ? `recommendation: ${rec.reason}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

interface RunFlags {
  base?: string[];
  cuts?: string;
  maxExamples?: number;
  cutsPerBase?: number;
  seed?: number;
}

export function advisorCommands(program: Command, ctx: CliContext): void {
  const group = program.command('advisor').description('rank bases and cut points on a dataset');

  group
    .command('run <datasetId>')
    .description('start an advisor run and follow it to its ranking')
    .option('--base <id...>', 'only these bases (bm_... or m_...); default: every base that fits the data')
    .option(
      '--cuts <layers>',
      'with --base: the cut points to probe, comma-separated (default: chosen from the graph)',
    )
    .option('--max-examples <n>', 'examples probed (default 400)', int)
    .option('--cuts-per-base <n>', 'cut points per base (default 3)', int)
    .option('--seed <n>', 'seed', int)
    .action(async (datasetId: string, o: RunFlags) => {
      const client = ctx.client();
      const { base, cuts, ...rest } = o;
      const cutList = cuts?.split(',').map((c) => c.trim());
      const candidates = base?.map((id) => ({
        base: id.startsWith('m_') ? { modelId: id } : { baseModelId: id },
        ...(cutList ? { cuts: cutList } : {}),
      }));
      const started = await client.advisor.start({
        datasetId,
        ...rest,
        ...(candidates ? { candidates } : {}),
      });
      ctx.note(`advisor run ${started.id} ${started.state}`);
      let last = '';
      const run = await client.advisor.follow(started.id, {
        onProgress: (r) => {
          const p = (r.progress ?? {}) as { phase?: string; base?: string; done?: number; total?: number };
          const line = [p.phase, p.base, p.total ? `${p.done ?? 0}/${p.total}` : '']
            .filter(Boolean)
            .join(' ');
          if (line && line !== last) ctx.note(`  ${line}`);
          last = line;
        },
      });
      if (run.state !== 'completed')
        throw new Error(`advisor run ${run.id} ${run.state}: ${run.error ?? ''}`);
      if (ctx.json()) return ctx.out(JSON.stringify(run));
      if (ctx.quiet()) return ctx.out(run.id ?? '');
      ctx.out(ranking(run));
    });

  group.command('get <id>').action(async (id: string) => {
    const run = await ctx.client().advisor.get(id);
    ctx.out(ctx.json() ? JSON.stringify(run) : `${run.id} ${run.state}\n${ranking(run)}`);
  });
}
