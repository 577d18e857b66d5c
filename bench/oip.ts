/**
 * The Open Inference Protocol's cost over /v1: 32 concurrent HTTP clients (autocannon) against
 * `POST /v1/models/:id/predict` (the baseline) and `POST /v2/models/:name/infer` on the same
 * server, model and images, in alternating rounds so drift of a shared machine falls on both.
 * Both routes end in the same prediction service (preprocessing, batcher, inference worker);
 * what differs is the protocol mapping (tensor checks, outputs as tensors, every class's score).
 *
 *   npx tsx bench/oip.ts [--duration 6] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/ml/backend.js';
import { saveTrainedModel } from '../src/models/registry.js';
import { FsStore } from '../src/storage/fs-store.js';
import { LABELS, SIZE, cnn, load, noiseImages, serve } from './predict.js';
import type { LoadResult } from './predict-load.js';
import { median } from './report.js';

export interface OipBenchRow {
  route: string;
  /** Requests (one image each) over all rounds. */
  examples: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** Throughput over the baseline's, all rounds together, and its lowest and highest per round. */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  failed: number;
}

export interface OipBenchResult {
  backend: string;
  cores: number;
  rounds: number;
  durationSec: number;
  rows: OipBenchRow[];
}

const CASES = [
  { route: 'POST /v1/models/:id/predict (baseline)', key: 'v1' },
  { route: 'POST /v2/models/:name/infer, BYTES image', key: 'v2' },
] as const;

export async function benchOip(
  opts: { durationSec?: number; rounds?: number; connections?: number; log?: (l: string) => void } = {},
): Promise<OipBenchResult> {
  const durationSec = opts.durationSec ?? 6;
  const rounds = opts.rounds ?? 3;
  const connections = opts.connections ?? 32;
  const log = opts.log ?? (() => undefined);
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-oip-'));
  const store = new FsStore(dataDir);
  await store.init();
  const model = cnn(8);
  const meta = await saveTrainedModel(store, {
    model,
    name: 'oip-bench',
    meta: {
      task: 'classification',
      labels: LABELS,
      inputShape: [SIZE, SIZE, 3],
      preprocessing: {
        kind: 'image',
        image: { size: [SIZE, SIZE], channels: 3, scale: [0, 1], resize: 'stretch' },
      },
      history: [],
      lineage: {},
    },
  });
  model.dispose();
  const images = (await noiseImages(16, 'png')).map((b) => b.toString('base64'));
  const bodies = {
    v1: images.map((b64) => JSON.stringify({ instances: [{ b64 }], topK: 3 })),
    v2: images.map((b64) =>
      JSON.stringify({ inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: [b64] }] }),
    ),
  };
  const { app, runtime, url } = await serve({}, dataDir, 'info');
  const urls = { v1: `${url}/v1/models/${meta.id}/predict`, v2: `${url}/v2/models/oip-bench/infer` };
  try {
    for (const c of CASES)
      await load({ url: urls[c.key], bodies: bodies[c.key], connections, durationSec: 2 });
    const runs: Record<'v1' | 'v2', LoadResult[]> = { v1: [], v2: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always follows the other's warm caches.
      const order = r % 2 === 0 ? CASES : [...CASES].reverse();
      for (const c of order) {
        const res = await load({ url: urls[c.key], bodies: bodies[c.key], connections, durationSec });
        runs[c.key].push(res);
        log(`round ${r + 1}, ${c.route}: ${(res.requests / res.durationSec).toFixed(0)} requests/s`);
      }
    }
    const rate = (rs: LoadResult[]) =>
      rs.reduce((a, r) => a + r.requests, 0) / rs.reduce((a, r) => a + r.durationSec, 0);
    const perRound = (key: 'v1' | 'v2') =>
      runs[key].map((r, i) => r.requests / r.durationSec / (runs.v1[i]!.requests / runs.v1[i]!.durationSec));
    const rows = CASES.map((c): OipBenchRow => {
      const rs = runs[c.key];
      const ratios = perRound(c.key);
      return {
        route: c.route,
        examples: rs.reduce((a, r) => a + r.requests, 0),
        throughput: rate(rs),
        p50Ms: median(rs.map((r) => r.latency.p50)),
        p99Ms: median(rs.map((r) => r.latency.p99)),
        ratio: rate(rs) / rate(runs.v1),
        ratioLow: Math.min(...ratios),
        ratioHigh: Math.max(...ratios),
        failed: rs.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
      };
    });
    return { backend: backend.name, cores: os.availableParallelism(), rounds, durationSec, rows };
  } finally {
    await app.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, rounds: { type: 'string' } } });
  const r = await benchOip({
    ...(values.duration ? { durationSec: Number(values.duration) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    log: (l) => console.log(l),
  });
  console.table(r.rows);
}
