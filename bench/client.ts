/**
 * What the typed client and the CLI cost over plain fetch: the same folder of images predicted
 * by the same model on one server, 32 files per multipart request, one request at a time, three
 * ways: raw `fetch` with a FormData (the baseline), the typed client's `models.predictFiles`,
 * and `tlearn predict <folder>` as a process of its own (its start through tsx included). Rounds
 * alternate the order so drift of a shared machine falls on all three.
 *
 *   npx tsx bench/client.ts [--images 512] [--rounds 5]
 */
import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createClient } from '../src/client/index.js';
import { selectBackend } from '../src/ml/backend.js';
import { saveTrainedModel } from '../src/models/registry.js';
import { FsStore } from '../src/storage/fs-store.js';
import { LABELS, SIZE, cnn, noiseImages, serve } from './predict.js';

export interface ClientBenchRow {
  way: string;
  /** Images predicted over all rounds. */
  examples: number;
  imagesPerSec: number;
  /** Throughput over the baseline's, all rounds together, and its lowest and highest per round. */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
}

export interface ClientBenchResult {
  backend: string;
  cores: number;
  rounds: number;
  images: number;
  /** Median wall time of `tlearn --help`: the CLI's start alone. */
  cliStartMs: number;
  rows: ClientBenchRow[];
}

const CHUNK = 32;
const CLI = fileURLToPath(new URL('../bin/tlearn.js', import.meta.url));
const run = promisify(execFile);

type Way = 'fetch' | 'client' | 'cli';
const WAYS: Array<{ key: Way; label: string }> = [
  { key: 'fetch', label: '`fetch` + FormData (baseline)' },
  { key: 'client', label: 'typed client, `models.predictFiles`' },
  { key: 'cli', label: '`tlearn predict` on the folder (a process)' },
];

export async function benchClient(
  opts: { images?: number; rounds?: number; log?: (l: string) => void } = {},
): Promise<ClientBenchResult> {
  const count = opts.images ?? 512;
  const rounds = opts.rounds ?? 5;
  const log = opts.log ?? (() => undefined);
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-client-'));
  const store = new FsStore(dataDir);
  await store.init();
  const model = cnn(8);
  const meta = await saveTrainedModel(store, {
    model,
    name: 'client-bench',
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
  const folder = path.join(dataDir, 'images');
  await mkdir(folder);
  const images = await noiseImages(count, 'png');
  const files = await Promise.all(
    images.map(async (b, i) => {
      const file = path.join(folder, `${String(i).padStart(5, '0')}.png`);
      await writeFile(file, b);
      return file;
    }),
  );
  const { app, runtime, url } = await serve({}, dataDir, 'info');
  const client = createClient({ baseUrl: url });
  const ways: Record<Way, () => Promise<number>> = {
    fetch: async () => {
      let n = 0;
      for (let i = 0; i < files.length; i += CHUNK) {
        const form = new FormData();
        for (const f of files.slice(i, i + CHUNK)) form.append('file', await openAsBlob(f), path.basename(f));
        const res = await fetch(`${url}/v1/models/${meta.id}/predict`, { method: 'POST', body: form });
        if (!res.ok) throw new Error(`predict: ${res.status} ${await res.text()}`);
        n += ((await res.json()) as { predictions: unknown[] }).predictions.length;
      }
      return n;
    },
    client: async () => {
      let n = 0;
      for (let i = 0; i < files.length; i += CHUNK)
        n += (await client.models.predictFiles(meta.id, files.slice(i, i + CHUNK))).predictions.length;
      return n;
    },
    cli: async () => {
      const { stdout } = await run(
        process.execPath,
        [CLI, '--api', url, '--json', 'predict', meta.id, folder],
        {
          maxBuffer: 64 << 20,
        },
      );
      return (JSON.parse(stdout) as { predictions: unknown[] }).predictions.length;
    },
  };
  try {
    for (const w of WAYS) await ways[w.key](); // warm: model load, tsx's compile cache
    const times: Record<Way, number[]> = { fetch: [], client: [], cli: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? WAYS : [...WAYS].reverse();
      for (const w of order) {
        const start = performance.now();
        const n = await ways[w.key]();
        if (n !== count) throw new Error(`${w.label}: ${n} predictions for ${count} images`);
        times[w.key].push((performance.now() - start) / 1000);
        log(`round ${r + 1}, ${w.label}: ${(count / times[w.key].at(-1)!).toFixed(0)} images/s`);
      }
    }
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await run(process.execPath, [CLI, '--help']);
      starts.push(performance.now() - start);
    }
    const rate = (ts: number[]) => (count * ts.length) / ts.reduce((a, t) => a + t, 0);
    const rows = WAYS.map((w): ClientBenchRow => {
      const perRound = times[w.key].map((t, i) => times.fetch[i]! / t);
      return {
        way: w.label,
        examples: count * rounds,
        imagesPerSec: rate(times[w.key]),
        ratio: rate(times[w.key]) / rate(times.fetch),
        ratioLow: Math.min(...perRound),
        ratioHigh: Math.max(...perRound),
      };
    });
    const cliStartMs = [...starts].sort((a, b) => a - b)[2]!;
    return {
      backend: backend.name,
      cores: os.availableParallelism(),
      rounds,
      images: count,
      cliStartMs,
      rows,
    };
  } finally {
    await app.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { images: { type: 'string' }, rounds: { type: 'string' } } });
  const r = await benchClient({
    ...(values.images ? { images: Number(values.images) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    log: (l) => console.log(l),
  });
  console.log(`tlearn --help: ${r.cliStartMs.toFixed(0)} ms`);
  console.table(r.rows);
}
