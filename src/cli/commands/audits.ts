import type { Command } from 'commander';
import type { Audit } from '../../client/index.js';
import { int, show, type CliContext } from '../context.js';
import { figure, fmt, table } from '../format.js';

type Finding = NonNullable<Audit['findings']>[number];

function report(a: Audit, limit: number): string {
  const s = a.summary;
  const lines = [`${a.id} ${a.state}${a.error ? `: ${a.error}` : ''}`];
  if (s) {
    const c = s.counts;
    lines.push(
      `findings on ${s.examples} examples: ${c.label} label, ${c.duplicate} duplicate (${c.conflict} with another label), ${c.leak} leak, ${c.outlier} outlier`,
      `probe accuracy ${figure(s.accuracy.value, s.accuracy.interval, s.accuracy.examples)}`,
    );
    const without = s.accuracyWithoutFlagged;
    if (without)
      lines.push(`without the flagged ${figure(without.value, without.interval, without.examples)}`);
  }
  const rows = (a.findings ?? []).slice(0, limit).map((f: Finding) => {
    const todo = f.action === 'relabel' ? `relabel as ${f.suggestedLabel ?? '?'}` : f.action;
    return [f.kind, f.exampleId, f.label, fmt(f.score), todo, f.pair?.exampleId ?? ''];
  });
  if (rows.length > 0) lines.push(table(['kind', 'example', 'label', 'score', 'to do', 'pair'], rows));
  return lines.join('\n');
}

export function auditCommands(program: Command, ctx: CliContext): void {
  const group = program
    .command('audit')
    .description('find wrong labels, duplicates, leaks and outliers in a dataset, and fix them in a version');

  group
    .command('run <datasetId>')
    .description('audit a dataset and follow it to its findings')
    .option('--base <id>', 'read features with this base (bm_...) or model (m_...)')
    .option('--seed <n>', 'seed', int)
    .option('--show <n>', 'findings to list (default 20)', int, 20)
    .action(async (datasetId: string, o: { base?: string; seed?: number; show: number }) => {
      const client = ctx.client();
      const base = o.base?.startsWith('m_')
        ? { modelId: o.base }
        : o.base
          ? { baseModelId: o.base }
          : undefined;
      const started = await client.audits.start(datasetId, {
        ...(base ? { base } : {}),
        ...(o.seed === undefined ? {} : { seed: o.seed }),
      });
      ctx.note(`audit ${started.id} ${started.state}`);
      let last = '';
      const done = await client.audits.follow(started.id, {
        onProgress: (a) => {
          const p = (a.progress ?? {}) as { phase?: string; done?: number; total?: number };
          const line = [p.phase, p.total ? `${p.done ?? 0}/${p.total}` : ''].filter(Boolean).join(' ');
          if (line && line !== last) ctx.note(`  ${line}`);
          last = line;
        },
      });
      if (done.state !== 'completed') throw new Error(`audit ${done.id} ${done.state}: ${done.error ?? ''}`);
      show(ctx, done, (a) => report(a, o.show));
    });

  group
    .command('get <id>')
    .option('--show <n>', 'findings to list (default 20)', int, 20)
    .action(async (id: string, o: { show: number }) => {
      show(ctx, await ctx.client().audits.get(id), (a) => report(a, o.show));
    });

  group
    .command('fix <auditId>')
    .description("a new version of the audited dataset that takes the audit's suggestions")
    .option('--only <kinds>', 'comma-separated kinds to act on (label,duplicate,leak,outlier); default all')
    .option('--name <name>', "the version's name")
    .action(async (auditId: string, o: { only?: string; name?: string }) => {
      const client = ctx.client();
      const audit = await client.audits.get(auditId);
      if (audit.state !== 'completed') throw new Error(`audit ${auditId} is ${audit.state}, not completed`);
      const kinds = o.only?.split(',').map((k) => k.trim());
      const chosen = (audit.findings ?? []).filter((f) => !kinds || kinds.includes(f.kind));
      const relabel = chosen
        .filter((f) => f.action === 'relabel' && f.suggestedLabel)
        .map((f) => ({ exampleId: f.exampleId, label: f.suggestedLabel! }));
      const relabelled = new Set(relabel.map((r) => r.exampleId));
      const exclude = [
        ...new Set(
          chosen
            .filter((f) => f.action === 'exclude' && !relabelled.has(f.exampleId))
            .map((f) => f.exampleId),
        ),
      ];
      if (exclude.length === 0 && relabel.length === 0) {
        ctx.note(`audit ${auditId} suggests no change to ${audit.datasetId}: no version made`);
        return;
      }
      const version = await client.audits.version(audit.datasetId!, {
        exclude,
        relabel,
        auditId,
        ...(o.name ? { name: o.name } : {}),
      });
      show(
        ctx,
        version,
        (d) => `${d.id} from ${audit.datasetId}: ${exclude.length} excluded, ${relabel.length} relabelled`,
      );
    });
}
