import { Worker } from 'node:worker_threads';
import { nsfwjsFolder } from './base-model-fixtures.js';
import { classZip, numberedPng } from './dataset-fixtures.js';

/**
 * Large-but-within-limits uploads for every ingest path, and the longest a concurrent `/healthz`
 * waits while one is ingested: shared by test/datasets/ingest-latency.test.ts and the `ingest`
 * bench case, so the test's bound and BENCHMARKS.md's figures rest on the same inputs.
 */

export interface IngestCase {
  name: string;
  /** What was uploaded, for reports: rows, files, bytes. */
  size: string;
  url: string;
  form(): FormData;
}

const WORDS = (
  'the a of and to in is was for on that with as by at from his her they this which were be ' +
  'are not have had one all their there been has when who will more no if out so said what up ' +
  'its about into than them can only other new some could time these two may then first any ' +
  'like now my such make over did even most after also made many before must through back years'
).split(' ');

/** `count` rows of about `words` words each, two labels, each text different. */
export function wordyRows(count: number, words = 30): Array<{ text: string; label: string }> {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const rows: Array<{ text: string; label: string }> = [];
  for (let i = 0; i < count; i++) {
    const w = Array.from({ length: words }, () => WORDS[next() % WORDS.length]);
    rows.push({ text: `${w.join(' ')} ${i}`, label: i % 2 === 0 ? 'even' : 'odd' });
  }
  return rows;
}

export function textCsvOf(rows: Array<{ text: string; label: string }>): Buffer {
  return Buffer.from(['text,label', ...rows.map((r) => `${r.text},${r.label}`)].join('\n') + '\n');
}

export function textJsonlOf(rows: Array<{ text: string; label: string }>): Buffer {
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export function tabularCsv(rows: number, features = 20): Buffer {
  const head = [...Array.from({ length: features }, (_, j) => `x${j}`), 'label'].join(',');
  const lines = [head];
  for (let i = 0; i < rows; i++) {
    const xs = Array.from({ length: features }, (_, j) => ((i * 31 + j * 17) % 997) / 10);
    lines.push(`${xs.join(',')},${i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c'}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function fileForm(name: string, data: Buffer, filename: string): FormData {
  const form = new FormData();
  form.append('name', name);
  form.append('file', new Blob([data]), filename);
  return form;
}

export const TEXT_ROWS = 20_000;

/** Every ingest path with an input of the given scale (scale 1: the sizes BENCHMARKS.md reports). */
export async function ingestCases(): Promise<IngestCase[]> {
  const rows = wordyRows(TEXT_ROWS);
  const csv = textCsvOf(rows);
  const jsonl = textJsonlOf(rows);
  const tab = tabularCsv(20_000);
  const images = await Promise.all(Array.from({ length: 1000 }, (_, i) => numberedPng(i, 32)));
  const zip = await classZip({
    even: images.filter((_, i) => i % 2 === 0),
    odd: images.filter((_, i) => i % 2),
  });
  const nsfw = await nsfwjsFolder();
  return [
    {
      name: 'image zip',
      size: `1000 PNGs 32x32, ${mib(zip.length)}`,
      url: '/v1/datasets',
      form: () => fileForm('images', zip, 'images.zip'),
    },
    {
      name: 'tabular CSV',
      size: `20000 rows x 20 features, ${mib(tab.length)}`,
      url: '/v1/datasets',
      form: () => fileForm('table', tab, 'table.csv'),
    },
    {
      name: 'text CSV',
      size: `${TEXT_ROWS} rows x 30 words, ${mib(csv.length)}`,
      url: '/v1/datasets',
      form: () => fileForm('texts', csv, 'texts.csv'),
    },
    {
      name: 'text JSONL',
      size: `${TEXT_ROWS} rows x 30 words, ${mib(jsonl.length)}`,
      url: '/v1/datasets',
      form: () => fileForm('texts', jsonl, 'texts.jsonl'),
    },
    {
      name: 'base model (multipart)',
      size: `MobileNetV2 model.json + 1 shard, ${mib(nsfw.modelJson.length + nsfw.shard.length)}`,
      url: '/v1/base-models',
      form: () => {
        const form = new FormData();
        form.append('name', 'mobilenet');
        form.append('model.json', new Blob([nsfw.modelJson]), 'model.json');
        form.append('shard', new Blob([nsfw.shard]), 'group1-shard1of1');
        return form;
      },
    },
  ];
}

export interface LatencyRun<T> {
  result: T;
  /** Longest `/healthz` round trip while `work` ran, in ms. */
  maxMs: number;
  samples: number;
}

/**
 * The probe is a client on a thread of its own, like any other client of the server: on the
 * server's thread its timers would wait behind the same stall it is there to measure.
 */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const lat = [];
let running = true;
parentPort.on('message', () => { running = false; });
(async () => {
  parentPort.postMessage({ type: 'started' });
  while (running) {
    const t0 = performance.now();
    const res = await fetch(workerData.url);
    await res.arrayBuffer();
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.postMessage({ type: 'done', lat });
})();
`;

/** Runs `work` while a client thread asks `${base}/healthz` every `everyMs`; its longest wait. */
export async function healthzWhile<T>(
  base: string,
  work: () => Promise<T>,
  everyMs = 10,
): Promise<LatencyRun<T>> {
  const probe = new Worker(PROBE, { eval: true, workerData: { url: `${base}/healthz`, everyMs } });
  const done = new Promise<number[]>((resolve, reject) => {
    probe.on('message', (m: { type: string; lat?: number[] }) => m.type === 'done' && resolve(m.lat!));
    probe.once('error', reject);
  });
  await new Promise((resolve) => probe.once('message', resolve));
  let result: T;
  try {
    result = await work();
  } finally {
    probe.postMessage('stop');
  }
  const lat = await done.finally(() => probe.terminate());
  return { result, maxMs: Math.max(0, ...lat), samples: lat.length };
}
