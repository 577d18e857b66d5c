import cliProgress from 'cli-progress';
import type { Job } from '../client/index.js';
import type { CliContext } from './context.js';
import { fmt, sparkline } from './format.js';

interface Progress {
  phase?: string;
  epoch?: number;
  epochs?: number;
  batch?: number;
  batches?: number;
  loss?: number;
  metrics?: Record<string, number>;
  evaluation?: { stage: string; fold?: number; folds: number; fraction?: number };
}

type Epoch = {
  phase?: string;
  epoch?: number;
  loss?: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
};

/** "fold 2/5", "learning curve 25%", "refit", or nothing for a single fit. */
function stageOf(p: Progress): string {
  const e = p.evaluation;
  if (!e) return '';
  if (e.stage === 'fold') return `fold ${e.fold}/${e.folds}`;
  if (e.stage === 'learning-curve')
    return `curve ${Math.round((e.fraction ?? 0) * 100)}% fold ${e.fold}/${e.folds}`;
  return 'refit';
}

function metricsOf(p: Progress): string {
  const acc = p.metrics?.['acc'] ?? p.metrics?.['mae'];
  const name = p.metrics?.['acc'] !== undefined ? 'acc' : 'mae';
  return `loss ${fmt(p.loss, 3)}${acc === undefined ? '' : ` ${name} ${fmt(acc, 3)}`}`;
}

/**
 * Shows a job as it trains: on a terminal, a progress bar per phase (and fold) with the live
 * loss and accuracy and a curve of the loss per finished epoch; in a log (no terminal), one
 * line per finished epoch and per phase. Returns the function to feed each record and a stop.
 */
export function jobProgress(ctx: CliContext): { update(job: Job): void; stop(): void } {
  const bar = ctx.interactive
    ? new cliProgress.SingleBar(
        {
          format: '{stage} {phase} [{bar}] {percentage}% | epoch {epoch} | {metrics} | loss/epoch {curve}',
          barsize: 24,
          hideCursor: true,
          stream: ctx.stderr,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let key = '';
  let epochsSeen = 0;
  let started = false;
  return {
    update(job) {
      const p = (job.progress ?? {}) as Progress;
      const history = (job.history ?? []) as Epoch[];
      const total = Math.max(1, (p.epochs || 1) * (p.batches || 1));
      const value = Math.min(total, Math.max(0, ((p.epoch || 1) - 1) * (p.batches || 1) + (p.batch ?? 0)));
      const payload = {
        stage: stageOf(p),
        phase: p.phase ?? job.state,
        epoch: `${p.epoch ?? 0}/${p.epochs ?? 0}`,
        metrics: metricsOf(p),
        curve: sparkline(history.map((h) => h.loss ?? NaN)),
      };
      const nextKey = `${payload.stage}|${payload.phase}`;
      if (bar) {
        if (!started) bar.start(total, value, payload);
        else if (nextKey !== key) bar.setTotal(total);
        started = true;
        bar.update(value, payload);
      } else {
        if (nextKey !== key && p.phase)
          ctx.note(`${job.id} ${payload.stage} ${payload.phase}`.replace(/ +/g, ' '));
        for (const h of history.slice(epochsSeen)) {
          const val =
            h.valLoss === undefined ? '' : ` val_loss ${fmt(h.valLoss, 4)} val_acc ${fmt(h.valAcc, 3)}`;
          ctx.note(`  epoch ${h.epoch} ${h.phase ?? ''}: loss ${fmt(h.loss, 4)} acc ${fmt(h.acc, 3)}${val}`);
        }
      }
      epochsSeen = history.length;
      key = nextKey;
    },
    stop() {
      bar?.stop();
    },
  };
}
