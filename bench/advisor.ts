/**
 * The backbone advisor against the truth it estimates, on real small-data tasks (bench/advisor-pool.ts):
 * MNIST digits 0-4 and 5-9, Noto emoji by group, and SpamAssassin mails. For each task, size
 * (examples per class) and draw, a stratified random training set is drawn from the task's pool
 * and the rest of the pool is held out. The advisor's own functions score every (base, cut)
 * candidate on the training set (its softmax probe on the shared folds, LogME, k-NN, and the
 * paired ranking with its recommendation); the spec probe cross-validates each candidate's own
 * learner on the same folds. The truth: each candidate's ready spec (its head on the frozen cut,
 * trained by the trainer with the spec's optimiser, epochs, validation split and callbacks) fit
 * on the whole training set and scored on the held-out examples. Reported per task and size, for
 * each way of ordering the candidates: the regret of the top pick (best held-out accuracy minus
 * the pick's) and Kendall's tau-b between that order and the held-out order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BaseModelService } from '../src/base-models/base-model-service.js';
import { loadConfig } from '../src/config/env.js';
import { selectBackend } from '../src/ml/backend.js';
import { FsStore } from '../src/storage/fs-store.js';
import { benchDraw } from './advisor-draw.js';
import { emojiTask, mnistTask, spamTask, taskPool, type PoolTask, type TaskPool } from './advisor-pool.js';
import { METHODS, type AdvisorBench } from './advisor-scoring.js';

export * from './advisor-scoring.js';

/**
 * What to run, as `size:draws` pairs in order (BENCH_ADVISOR_PLAN), for every task whose pool
 * holds the size with enough left to hold out. The default takes about 30 minutes on 2 shared
 * cores with the pools' forward passes cached (BENCH_ADVISOR_CACHE), about 15 more to compute
 * them, InceptionV3's most of that.
 */
export const DEFAULT_PLAN = '16:4,8:2,50:2';

export function parsePlan(text: string): Array<{ perClass: number; draws: number }> {
  return text.split(',').map((part) => {
    const [size, draws] = part.split(':').map((v) => Number(v.trim()));
    if (!Number.isInteger(size) || size! < 2 || !Number.isInteger(draws ?? 1) || (draws ?? 1) < 1) {
      throw new Error(`BENCH_ADVISOR_PLAN: '${part}' is not size:draws (e.g. 16:2)`);
    }
    return { perClass: size!, draws: draws ?? 1 };
  });
}

/** The tasks: two MNIST halves, emoji by group, spam mails (the one text base: one candidate). */
export function advisorTasks(): PoolTask[] {
  return [
    mnistTask([0, 1, 2, 3, 4], 100, [8, 16, 50]),
    mnistTask([5, 6, 7, 8, 9], 100, [8, 16, 50]),
    emojiTask(
      'category',
      [
        'Smileys & Emotion',
        'People & Body',
        'Animals & Nature',
        'Food & Drink',
        'Travel & Places',
        'Objects',
      ],
      90,
      [8, 16, 50],
    ),
    spamTask(100, [8, 16, 50]),
  ];
}

export async function benchAdvisor(opts: {
  log: (line: string) => void;
  plan?: string;
  cutsPerBase?: number;
}): Promise<AdvisorBench> {
  const plan = parsePlan(opts.plan ?? process.env['BENCH_ADVISOR_PLAN'] ?? DEFAULT_PLAN);
  const cutsPerBase = opts.cutsPerBase ?? Number(process.env['BENCH_ADVISOR_CUTS'] ?? 3);
  const saveTo = process.env['BENCH_ADVISOR_JSON'] ?? path.join(os.tmpdir(), 'bench-advisor.json');
  const cacheDir = process.env['BENCH_ADVISOR_CACHE'] ?? path.join(os.tmpdir(), 'bench-advisor-features');
  const only = process.env['BENCH_ADVISOR_TASKS']?.split(',');
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-advisor-'));
  try {
    const store = new FsStore(dataDir);
    await store.init();
    const queues = { isInUse: async () => false, exclusive: <T>(_: unknown, fn: () => Promise<T>) => fn() };
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const bases = new BaseModelService({ store, queues, config, backend: async () => backend });
    const register = async (catalog: string) => (await bases.registerCatalog({ catalog })).id;
    const imageBases = [await register('nsfwjs-mobilenet-v2'), await register('nsfwjs-inception-v3')];
    const textBases = [await register('universal-sentence-encoder-lite')];
    const out: AdvisorBench = {
      backend: backend.name,
      plan: plan.map((p) => `${p.perClass}:${p.draws}`).join(', '),
      cutsPerBase,
      tasks: [],
      draws: [],
    };
    // Every pool first (the forward passes), then the plan size by size across the tasks, so a
    // run cut short still has every task at the sizes it reached.
    const pools: TaskPool[] = [];
    for (const task of advisorTasks().filter((t) => !only || only.includes(t.name))) {
      const ids = task.kind === 'text' ? textBases : imageBases;
      const pool = await taskPool(store, task, ids, cutsPerBase, cacheDir, opts.log);
      pools.push(pool);
      out.tasks.push({
        name: task.name,
        what: task.what,
        pool: pool.labels.length,
        candidates: pool.candidates.length,
      });
    }
    for (const { perClass, draws } of plan) {
      for (let draw = 0; draw < draws; draw++) {
        for (const pool of pools.filter((p) => p.task.sizes.includes(perClass))) {
          const d = await benchDraw(pool, perClass, draw);
          out.draws.push(d);
          opts.log(
            `advisor: ${pool.task.name}, ${perClass} per class, draw ${draw}: ` +
              METHODS.map((m) => `${m} ${d.regret[m].toFixed(3)}/${d.tau[m].toFixed(2)}`).join('; '),
          );
          // Saved after every draw, so a run cut short can still be rendered (BENCH_ADVISOR_FROM).
          await writeFile(saveTo, JSON.stringify(out));
        }
      }
    }
    return out;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
