import { readFile } from 'node:fs/promises';
import { parentPort, threadId } from 'node:worker_threads';
import { vocabularyIndex, wordIds } from '../lib/word-tokens.js';
import {
  loadParallelSentenceEncoder,
  selectBackend,
  tensorMemory,
  forward,
  forwardWithNovelty,
  noveltyScorer,
  warmUp,
  loadModelFromDir,
  type SentenceEncoder,
  type NoveltyScorer,
  type LayersModel,
} from '../ml/index.js';
import { threadCpuMs } from './thread-cpu.js';
import type {
  LoadResult,
  ModelTarget,
  PredictResult,
  WorkerReply,
  WorkerRequest,
  WorkerStats,
} from './protocol.js';

/**
 * Entry of an inference worker: a worker thread, or a child process when the native backend is
 * in use. It holds the models the API process placed on it and runs their forward passes, so
 * that `model.predict` never blocks the API's event loop. What stays resident is decided by the
 * API process (src/serving/model-cache.ts); this side only refcounts so a model evicted while a
 * batch is running is disposed when that batch ends.
 */

interface Resident {
  model: LayersModel;
  bytes: number;
  busy: number;
  unloadWhenIdle: boolean;
  /** Text models: texts -> input rows (word ids, or the sentence encoder's embeddings). */
  rows?: (texts: string[]) => Promise<Float32Array>;
  release?: () => void;
  /** Classifiers with a novelty rule: the forward pass that also scores novelty. */
  novelty?: NoveltyScorer;
}

/**
 * Sentence encoders by folder, shared by the text models that use them and disposed with the
 * last of them: one copy of USE lite per worker however many heads sit on it.
 */
const encoders = new Map<string, { encoder: Promise<SentenceEncoder>; users: number }>();

function useEncoder(dir: string): { encoder: Promise<SentenceEncoder>; release: () => void } {
  let e = encoders.get(dir);
  if (!e) {
    e = { encoder: loadParallelSentenceEncoder(dir, { instances: encoderShare }), users: 0 };
    const entry = e;
    entry.encoder.catch(() => encoders.get(dir) === entry && encoders.delete(dir));
    encoders.set(dir, e);
  }
  e.users++;
  const entry = e;
  let released = false;
  return {
    encoder: e.encoder,
    release: () => {
      if (released) return;
      released = true;
      if (--entry.users === 0 && encoders.get(dir) === entry) {
        encoders.delete(dir);
        void entry.encoder.then((enc) => enc.dispose()).catch(() => undefined);
      }
    },
  };
}

async function textRows(t: ModelTarget): Promise<Pick<Resident, 'rows' | 'release'>> {
  const text = t.text;
  if (!text) return {};
  if (text.tokenizer === 'sentence-encoder') {
    const { encoder, release } = useEncoder(text.encoderDir);
    try {
      const enc = await encoder;
      return { rows: (texts) => enc.encode(texts), release };
    } catch (err) {
      release();
      throw err;
    }
  }
  const vocabulary = JSON.parse(await readFile(text.vocabularyPath, 'utf8')) as string[];
  const index = vocabularyIndex(vocabulary);
  return {
    rows: async (texts) => {
      const out = new Float32Array(texts.length * text.maxLength);
      texts.forEach((s, i) => out.set(wordIds(s, index, text.maxLength), i * text.maxLength));
      return out;
    },
  };
}

const resident = new Map<string, Resident>();
const loading = new Map<string, Promise<Resident>>();
let backendName = 'uninitialised';
/** Sentence-encoder instances this worker splits a batch of texts over: its share of the cores. */
let encoderShare = 1;
let loads = 0;
let batches = 0;

const send: (msg: WorkerReply, transfer?: ArrayBuffer[]) => void = parentPort
  ? (msg, transfer) => parentPort!.postMessage(msg, transfer ?? [])
  : (msg) => void process.send?.(msg);

async function init(backend: WorkerRequest & { type: 'init' }): Promise<{ backend: string }> {
  const info = await selectBackend(backend.backend, { wasmThreads: backend.wasmThreads ?? 0 });
  backendName = info.name;
  encoderShare = info.name === 'wasm' ? info.threads : 1;
  return { backend: info.name };
}

function ensure(t: ModelTarget): Promise<Resident> {
  const r = resident.get(t.modelId);
  if (r) {
    r.unloadWhenIdle = false; // placed here again after an eviction that had not completed
    return Promise.resolve(r);
  }
  let p = loading.get(t.modelId);
  if (!p) {
    p = load(t).finally(() => loading.delete(t.modelId));
    loading.set(t.modelId, p);
  }
  return p;
}

async function load(t: ModelTarget): Promise<Resident> {
  const before = tensorMemory().numBytes;
  const model = await loadModelFromDir(t.dir);
  let text: Pick<Resident, 'rows' | 'release'>;
  let novelty: NoveltyScorer | undefined;
  try {
    warmUp(model, t.shape);
    if (t.novelty) {
      const buf = await readFile(t.novelty.path);
      const values = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      novelty = noveltyScorer(model, values, t.novelty.dims, t.novelty.k);
    }
    text = await textRows(t);
  } catch (err) {
    novelty?.dispose();
    model.dispose();
    throw err;
  }
  loads++;
  const r: Resident = {
    model,
    bytes: tensorMemory().numBytes - before,
    busy: 0,
    unloadWhenIdle: false,
    ...text,
    ...(novelty ? { novelty } : {}),
  };
  resident.set(t.modelId, r);
  return r;
}

function dispose(modelId: string, r: Resident): void {
  if (resident.get(modelId) === r) resident.delete(modelId);
  r.novelty?.dispose();
  r.model.dispose();
  r.release?.();
}

async function predict(req: WorkerRequest & { type: 'predict' }): Promise<PredictResult> {
  const r = await ensure(req);
  r.busy++;
  try {
    const t0 = performance.now();
    let input = req.input;
    let encodeMs: number | undefined;
    if (req.texts) {
      if (!r.rows) throw new Error(`model ${req.modelId} does not take texts`);
      input = await r.rows(req.texts);
      encodeMs = performance.now() - t0;
    }
    const output = r.novelty
      ? forwardWithNovelty(r.novelty, input, req.rows, req.shape)
      : forward(r.model, input, req.rows, req.shape);
    batches++;
    return {
      output,
      cols: output.length / req.rows,
      forwardMs: performance.now() - t0,
      ...(encodeMs === undefined ? {} : { encodeMs }),
    };
  } finally {
    r.busy--;
    if (r.busy === 0 && r.unloadWhenIdle) dispose(req.modelId, r);
  }
}

async function unload(modelId: string): Promise<boolean> {
  const pending = loading.get(modelId);
  if (pending) await pending.catch(() => undefined);
  const r = resident.get(modelId);
  if (!r) return false;
  if (r.busy > 0) r.unloadWhenIdle = true;
  else dispose(modelId, r);
  return true;
}

function stats(): WorkerStats {
  const mem = tensorMemory();
  const cpuMs = threadCpuMs();
  return {
    ...(cpuMs === undefined ? {} : { cpuMs }),
    worker: parentPort ? threadId : process.pid,
    backend: backendName,
    numTensors: mem.numTensors,
    numBytes: mem.numBytes,
    models: [...resident].map(([modelId, r]) => ({ modelId, bytes: r.bytes, busy: r.busy })),
    loads,
    batches,
  };
}

async function handle(req: WorkerRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.type) {
    case 'init':
      return { value: await init(req) };
    case 'load': {
      const t0 = performance.now();
      const r = await ensure(req);
      const value: LoadResult = { bytes: r.bytes, loadMs: performance.now() - t0 };
      return { value };
    }
    case 'predict': {
      const value = await predict(req);
      return { value, transfer: [value.output.buffer as ArrayBuffer] };
    }
    case 'unload':
      return { value: await unload(req.modelId) };
    case 'stats':
      return { value: stats() };
  }
}

function onMessage(req: WorkerRequest): void {
  handle(req).then(
    ({ value, transfer }) => send({ type: 'reply', seq: req.seq, ok: true, value }, transfer),
    (err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      send({
        type: 'reply',
        seq: req.seq,
        ok: false,
        error: { message: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}) },
      });
    },
  );
}

if (parentPort) {
  parentPort.on('message', onMessage);
} else {
  process.on('message', (m) => onMessage(m as WorkerRequest));
  process.send?.({ type: 'hello' });
  // The API process is gone (crash, kill -9): nothing can reach this worker any more.
  process.on('disconnect', () => process.exit(0));
}
