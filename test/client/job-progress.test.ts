import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/client/index.js';
import { contextOf } from '../../src/cli/context.js';
import { sparkline } from '../../src/cli/format.js';
import { jobProgress } from '../../src/cli/job-progress.js';

/** How a followed job is drawn: a bar with the live figures and a loss curve on a terminal, lines in a log. */

function terminal(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 160 });
  let text = '';
  stream.setEncoding('utf8').on('data', (d: string) => (text += d));
  const ctx = contextOf(new Command(), { stdout: new PassThrough(), stderr: stream, env: {} });
  return { ctx, text: () => text };
}

const record = (epoch: number, batch: number, losses: number[]): Job =>
  ({
    id: 'job_0123456789abcdef',
    state: 'running',
    createdAt: '2026-01-01T00:00:00Z',
    attempts: 0,
    spec: { datasetId: 'ds_0123456789abcdef' },
    progress: { phase: 'train', epoch, epochs: 3, batch, batches: 4, loss: 0.5, metrics: { acc: 0.75 } },
    history: losses.map((loss, i) => ({ phase: 'train', epoch: i + 1, loss, acc: 0.5, lr: 0.001 })),
  }) as unknown as Job;

describe('job progress in the terminal', () => {
  it('draws a bar with the epoch, the live loss and accuracy, and the curve of losses', () => {
    const { ctx, text } = terminal(true);
    const p = jobProgress(ctx);
    p.update(record(1, 2, []));
    p.update(record(2, 4, [0.9]));
    p.update(record(3, 2, [0.9, 0.6]));
    p.stop();
    const out = text();
    expect(out).toContain('train [');
    expect(out).toContain('epoch 3/3');
    expect(out).toContain('loss 0.500 acc 0.750');
    expect(out).toContain(`loss/epoch ${sparkline([0.9, 0.6])}`);
    // 2 epochs and 2 of 4 batches done: 10 of 12.
    expect(out).toContain('83%');
  });

  it('writes one line per finished epoch when stderr is a log', () => {
    const { ctx, text } = terminal(false);
    const p = jobProgress(ctx);
    p.update(record(1, 2, []));
    p.update(record(2, 4, [0.9]));
    p.update(record(3, 2, [0.9, 0.6]));
    p.stop();
    expect(
      text()
        .split('\n')
        .filter((l) => l.startsWith('  epoch')),
    ).toEqual(['  epoch 1 train: loss 0.9000 acc 0.500', '  epoch 2 train: loss 0.6000 acc 0.500']);
  });

  it('draws the curve from low to high', () => {
    expect(sparkline([3, 2, 1, 2])).toBe('█▅▁▅');
    expect(sparkline([])).toBe('');
  });
});
