/**
 * How long a concurrent `/healthz` waits while an upload is ingested, for every ingest path:
 * the API in-process and listening, a client thread asking /healthz every 10 ms over HTTP (the
 * same inputs and probe as test/datasets/ingest-latency.test.ts). For the paths whose heavy part
 * now runs in a worker thread (text ingest, base-model inspection), the same work is also run
 * directly on the main thread, as the routes did before, as the baseline of the same run.
 *
 *   BENCH_ONLY=ingest npm run bench
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/env.js';
import { TEXTS_FILE } from '../src/datasets/dataset-manifest.js';
import { ingestTextTable } from '../src/datasets/text/text-ingest.js';
import { buildApp } from '../src/http/app.js';
import { createAppDeps } from '../src/http/app-deps.js';
import { inspectModelDir } from '../src/ml/inspect-model-dir.js';
import { nsfwjsFolder } from '../test/helpers/base-model-fixtures.js';
import { healthzWhile, ingestCases } from '../test/helpers/ingest-latency.js';

export interface IngestLatencyRow {
  case: string;
  size: string;
  /** Max /healthz wait with the heavy part on the main thread (as before), when measured. */
  beforeMs?: number;
  afterMs: number;
  calls: number;
}

/** The work the text and base-model routes did on the main thread before it moved to a thread. */
async function mainThreadBaselines(dir: string, files: { csv: Buffer; jsonl: Buffer }) {
  const opts = { textColumn: 'text', labelColumn: 'label' };
  const text = (format: 'csv' | 'jsonl') => async () => {
    const file = path.join(dir, `texts.${format}`);
    await writeFile(file, files[format]);
    const { index } = await ingestTextTable(file, format, opts);
    await writeFile(path.join(dir, TEXTS_FILE), JSON.stringify(index));
  };
  const nsfw = await nsfwjsFolder();
  return {
    'text CSV': text('csv'),
    'text JSONL': text('jsonl'),
    'base model (multipart)': () => inspectModelDir(nsfw.dir),
  } as Record<string, () => Promise<unknown>>;
}

export async function benchIngestLatency(log: (line: string) => void): Promise<IngestLatencyRow[]> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-ingest-'));
  const runtime = await createAppDeps(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', QUEUE_PREFIX: `bench-ingest-${process.pid}` }),
    pino({ level: 'silent' }),
  );
  await runtime.backend().catch(() => undefined);
  const app = await buildApp(runtime);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const cases = await ingestCases();
    const raw = cases.filter((c) => c.name.startsWith('text')).map((c) => c.form().get('file') as Blob);
    const [csv, jsonl] = await Promise.all(raw.map(async (b) => Buffer.from(await b.arrayBuffer())));
    const before = await mainThreadBaselines(dataDir, { csv: csv!, jsonl: jsonl! });
    const rows: IngestLatencyRow[] = [];
    for (const c of cases) {
      const baseline = before[c.name];
      const b = baseline ? await healthzWhile(base, baseline) : undefined;
      const a = await healthzWhile(base, async () => {
        const res = await fetch(`${base}${c.url}`, { method: 'POST', body: c.form() });
        if (res.status !== 201) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
      });
      rows.push({
        case: c.name,
        size: c.size,
        afterMs: a.maxMs,
        calls: a.samples,
        ...(b ? { beforeMs: b.maxMs } : {}),
      });
      log(
        `${c.name}: max /healthz ${b ? `${b.maxMs.toFixed(0)} ms before, ` : ''}${a.maxMs.toFixed(0)} ms now`,
      );
    }
    return rows;
  } finally {
    await app.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
