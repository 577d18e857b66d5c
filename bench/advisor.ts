/**
 * The backbone advisor against the truth it estimates, on real data: MNIST digits 0-4 (real
 * handwritten digits, greyscale 28x28, read by the bases as RGB at their own input size). The
 * advisor ranks the (base, cut) candidates of the two offline bases on a small training set;
 * then every candidate's ready job spec is trained for real (the trainer, as a job runs it) on
 * the same training set and scored on held-out digits it never saw. Repeated over training-set
 * sizes (BENCH_ADVISOR_SIZES, examples per class) and draws (BENCH_ADVISOR_DRAWS, disjoint
 * digits). Reported per draw and on average, for each way of ordering the candidates (the
 * advisor's paired ranking, the old fold-spread rule, and the probe, LogME and k-NN scores
 * alone): the regret of the top pick (best held-out accuracy minus the pick's) and Kendall's tau
 * between that order and the held-out order; and the advisor's time against training every
 * candidate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { trainAndScore, type DrawContext, type HeldOutFeatures } from './advisor-truth.js';
import { runAdvisorJob } from '../src/advisor/run-advisor-job.js';
import { BaseModelService } from '../src/base-models/base-model-service.js';
import { loadConfig } from '../src/config/env.js';
import type { AdvisorResult } from '../src/contracts/advisor.js';
import type { UploadPart } from '../src/contracts/upload-part.js';
import { DatasetService } from '../src/datasets/dataset-service.js';
import { selectBackend } from '../src/ml/backend.js';
import { FsStore } from '../src/storage/fs-store.js';
import { mnistZip } from '../test/helpers/mnist-zip.js';

const DIGITS = [0, 1, 2, 3, 4];

export interface AdvisorBenchRow {
  base: string;
  cutAt: string;
  advisorAccuracy: number;
  low: number;
  high: number;
  logME: number;
  knnAccuracy: number;
  advisorRank: number;
  msPerExample: number;
  heldOutAccuracy: number;
  trainMs: number;
}

/** The ways of ordering candidates the bench compares. */
export const METHODS = ['advisor', 'old rule', 'probe', 'LogME', 'k-NN'] as const;
export type Method = (typeof METHODS)[number];

export interface AdvisorDraw {
  perClass: number;
  draw: number;
  trainExamples: number;
  heldOutExamples: number;
  folds: number;
  repeats: number;
  advisorMs: number;
  trainAllMs: number;
  regret: Record<Method, number>;
  tau: Record<Method, number>;
  pick: string;
  best: string;
  recommendation: AdvisorResult['recommendation'];
  rows: AdvisorBenchRow[];
}

export interface AdvisorBench {
  backend: string;
  plan: string;
  cutsPerBase: number;
  heldOutExamples: number;
  draws: AdvisorDraw[];
}

/** Kendall's tau-b between two score lists (ties in either count for neither side). */
export function kendallTau(a: number[], b: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom === 0 ? 0 : (concordant - discordant) / denom;
}

async function* zipUpload(name: string, zip: Buffer): AsyncIterable<UploadPart> {
  yield { type: 'field', field: 'name', value: name };
  yield { type: 'file', field: 'file', filename: `${name}.zip`, stream: Readable.from(zip) };
}

/**
 * The advisor's rule before paired tests: accuracy first, but candidates within the better one's
 * fold standard deviation count as tied and the cheapest of them goes first (kept here to
 * measure against).
 */
function oldOrder(entries: AdvisorResult['ranking']): number[] {
  const left = entries.map((e, i) => ({ e, i })).sort((x, y) => y.e.accuracy - x.e.accuracy);
  const out: number[] = [];
  while (left.length > 0) {
    const best = left[0]!;
    const ties = left.filter((c) => best.e.accuracy - c.e.accuracy <= Math.max(best.e.accuracyStd, 1e-9));
    ties.sort((x, y) => x.e.msPerExample - y.e.msPerExample);
    out.push(ties[0]!.i);
    left.splice(left.indexOf(ties[0]!), 1);
  }
  return out;
}

/**
 * What to run, as `size:draws` pairs in order (BENCH_ADVISOR_PLAN). The default is the quick
 * plan, about 20 minutes on 2 shared cores: two draws at 16 per class (the target size)
 * first, then one at 8 and one at 50.
 */
export const DEFAULT_PLAN = '16:2,8:1,50:1';

export function parsePlan(text: string): Array<{ perClass: number; draws: number }> {
  return text.split(',').map((part) => {
    const [size, draws] = part.split(':').map((v) => Number(v.trim()));
    if (!Number.isInteger(size) || size! < 2 || !Number.isInteger(draws ?? 1) || (draws ?? 1) < 1) {
      throw new Error(`BENCH_ADVISOR_PLAN: '${part}' is not size:draws (e.g. 16:2)`);
    }
    return { perClass: size!, draws: draws ?? 1 };
  });
}

export async function benchAdvisor(opts: {
  log: (line: string) => void;
  plan?: string;
  heldOutPerClass?: number;
  cutsPerBase?: number;
}): Promise<AdvisorBench> {
  const plan = parsePlan(opts.plan ?? process.env['BENCH_ADVISOR_PLAN'] ?? DEFAULT_PLAN);
  const heldPerClass = opts.heldOutPerClass ?? Number(process.env['BENCH_ADVISOR_HELD_OUT'] ?? 30);
  const cutsPerBase = opts.cutsPerBase ?? Number(process.env['BENCH_ADVISOR_CUTS'] ?? 3);
  const saveTo = process.env['BENCH_ADVISOR_JSON'] ?? path.join(os.tmpdir(), 'bench-advisor.json');
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-advisor-'));
  try {
    const store = new FsStore(dataDir);
    await store.init();
    // No queue here: nothing is deleted while the bench runs.
    const queues = { isInUse: async () => false, exclusive: <T>(_: unknown, fn: () => Promise<T>) => fn() };
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const datasets = new DatasetService({
      store,
      queues,
      limits: { maxEntries: 100_000, maxBytes: 1 << 30 },
    });
    const bases = new BaseModelService({ store, queues, config, backend: async () => backend });
    const heldOut = await datasets.create(
      zipUpload('digits-held-out', await mnistZip(DIGITS, heldPerClass, 2000)),
    );
    const baseIds: string[] = [];
    for (const name of ['nsfwjs-mobilenet-v2', 'nsfwjs-inception-v3']) {
      baseIds.push((await bases.registerCatalog({ catalog: name })).id);
    }
    const log = pino({ level: 'silent' });
    const draws: AdvisorDraw[] = [];
    const heldFeatures = new Map<string, HeldOutFeatures>();
    for (const { perClass, draws: drawCount } of plan) {
      for (let draw = 0; draw < drawCount; draw++) {
        // Disjoint digits per draw, all before the held-out ones (from 2000 on).
        const trainSet = await datasets.create(
          zipUpload(`digits-${perClass}-${draw}`, await mnistZip(DIGITS, perClass, draw * 200)),
        );
        draws.push(
          await benchDraw({
            store,
            log,
            backend: backend.name,
            baseIds,
            trainId: trainSet.id,
            heldOutId: heldOut.id,
            perClass,
            draw,
            cutsPerBase,
            heldFeatures,
            allCuts: new Map(),
            say: opts.log,
          }),
        );
        const d = draws[draws.length - 1]!;
        // Saved after every draw, so a run cut short can still be rendered (BENCH_ADVISOR_FROM).
        await writeFile(
          saveTo,
          JSON.stringify({
            backend: backend.name,
            plan:
              plan.map((p) => `${p.perClass}:${p.draws}`).join(', ') + ` (saved after ${draws.length} draws)`,
            cutsPerBase,
            heldOutExamples: heldOut.examples,
            draws,
          } satisfies AdvisorBench),
        );
        opts.log(
          `advisor: ${perClass} per class, draw ${draw}: ` +
            METHODS.map((m) => `${m} regret ${d.regret[m].toFixed(3)} tau ${d.tau[m].toFixed(2)}`).join('; '),
        );
        await datasets.remove(trainSet.id);
      }
    }
    return {
      backend: backend.name,
      plan: plan.map((p) => `${p.perClass}:${p.draws}`).join(', '),
      cutsPerBase,
      heldOutExamples: heldOut.examples,
      draws,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function benchDraw(c: DrawContext): Promise<AdvisorDraw> {
  const { store } = c;
  c.say(`advisor: ${c.perClass} digits per class, draw ${c.draw} ...`);
  const t0 = performance.now();
  const advice = await runAdvisorJob({
    store,
    payload: {
      datasetId: c.trainId,
      candidates: c.baseIds.map((id) => ({ base: { baseModelId: id } })),
      cutsPerBase: c.cutsPerBase,
      maxExamples: 1000,
      seed: 1 + c.draw,
    },
    backend: c.backend,
    report: phaseLogger(c.say, t0),
    log: c.log,
  });
  const advisorMs = performance.now() - t0;
  c.say(`advisor: ${(advisorMs / 1000).toFixed(1)} s, ${advice.ranking.length} candidates`);
  c.allCuts.clear();
  for (const e of advice.ranking) {
    const key = JSON.stringify(e.spec.base);
    c.allCuts.set(key, [...(c.allCuts.get(key) ?? []), e.cutAt]);
  }
  const measured: Array<{ heldOut: number; trainMs: number }> = [];
  for (const [i, e] of advice.ranking.entries()) measured.push(await trainAndScore(c, e, i === 0));
  const held = measured.map((m) => m.heldOut);
  const best = Math.max(...held);
  const n = advice.ranking.length;
  // Each method as a score per candidate (higher = earlier), in ranking order.
  const oldPos = oldOrder(advice.ranking);
  const scores: Record<Method, number[]> = {
    advisor: advice.ranking.map((e) => -e.rank),
    'old rule': advice.ranking.map((_, i) => -oldPos.indexOf(i)),
    probe: advice.ranking.map((e) => e.accuracy),
    LogME: advice.ranking.map((e) => e.logME),
    'k-NN': advice.ranking.map((e) => e.knnAccuracy),
  };
  const regret = {} as Record<Method, number>;
  const tau = {} as Record<Method, number>;
  for (const m of METHODS) {
    const s = scores[m];
    const top = s.indexOf(Math.max(...s));
    regret[m] = best - held[top]!;
    tau[m] = kendallTau(s, held);
  }
  const pick = advice.ranking[0]!;
  const bestE = advice.ranking[held.indexOf(best)]!;
  return {
    perClass: c.perClass,
    draw: c.draw,
    trainExamples: advice.examples,
    heldOutExamples: 0,
    folds: advice.folds,
    repeats: advice.repeats,
    advisorMs,
    trainAllMs: measured.reduce((sum, m) => sum + m.trainMs, 0),
    regret,
    tau,
    pick: `${pick.baseName} @ ${pick.cutAt}`,
    best: `${bestE.baseName} @ ${bestE.cutAt}`,
    recommendation: advice.recommendation,
    rows: advice.ranking.slice(0, n).map((e, i) => ({
      base: e.baseName ?? '?',
      cutAt: e.cutAt,
      advisorAccuracy: e.accuracy,
      low: e.accuracyInterval.low,
      high: e.accuracyInterval.high,
      logME: e.logME,
      knnAccuracy: e.knnAccuracy,
      advisorRank: e.rank,
      msPerExample: e.msPerExample,
      heldOutAccuracy: held[i]!,
      trainMs: measured[i]!.trainMs,
    })),
  };
}

/** Logs each change of the advisor's phase with the seconds since it started (where the time goes). */
function phaseLogger(say: (line: string) => void, t0: number) {
  let last = '';
  return (p: { phase: string; base?: string }): void => {
    const key = `${p.phase} ${p.base ?? ''}`.trim();
    if (key === last) return;
    last = key;
    say(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${key}`);
  };
}
