import * as tf from '@tensorflow/tfjs';

/**
 * Chooses the TensorFlow.js backend once per process. `auto` prefers the native libtensorflow
 * bindings (GPU, then CPU), then WebAssembly with the project's own training kernels, then the
 * pure-JS `cpu` backend. The native packages are optionalDependencies: their install downloads
 * libtensorflow, which fails on air-gapped machines, and must never fail `npm ci`.
 * All model code uses the `@tensorflow/tfjs` API only, so it runs unchanged on every backend.
 */

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs backend name: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** The package that provides it. */
  package: string;
  /** tfjs version in use. */
  version: string;
  /** Whether a GPU build of libtensorflow is in use. */
  gpu: boolean;
  /** Candidates tried before the chosen one, and why each was skipped. */
  skipped: Array<{ package: string; reason: string }>;
  /** Threads one kernel runs on (wasm: XNNPACK's pool; others: 1 as far as this module knows). */
  threads: number;
  /** Why the wasm backend runs on fewer threads than asked, when it does. */
  note?: string;
}

export interface BackendOptions {
  /** Threads for the wasm backend; 0 or undefined = every core (at most 8). */
  wasmThreads?: number;
}

interface Loaded {
  name: string;
  threads?: number;
  note?: string;
}

interface Candidate {
  package: string;
  gpu: boolean;
  load: () => Promise<Loaded>;
}

/** Kept as variables so bundlers and tsc do not try to resolve optional native packages. */
const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE_CPU = '@tensorflow/tfjs-node';

async function loadNative(pkg: string): Promise<Loaded> {
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise');
  return { name: 'tensorflow' };
}

async function loadWasm(threads: number | undefined): Promise<Loaded> {
  // Registers the project's convolution-gradient kernels, which the wasm package lacks.
  const { initWasmBackend } = await import('./wasm-kernels/index.js');
  const info = await initWasmBackend(threads === undefined ? {} : { threads });
  return { name: 'wasm', threads: info.threads, ...(info.note ? { note: info.note } : {}) };
}

async function loadCpu(): Promise<Loaded> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
  return { name: 'cpu' };
}

function candidates(pref: BackendPreference, opts: BackendOptions): Candidate[] {
  const gpu: Candidate = { package: NODE_GPU, gpu: true, load: () => loadNative(NODE_GPU) };
  const node: Candidate = { package: NODE_CPU, gpu: false, load: () => loadNative(NODE_CPU) };
  const wasm: Candidate = {
    package: '@tensorflow/tfjs-backend-wasm',
    gpu: false,
    load: () => loadWasm(opts.wasmThreads),
  };
  const cpu: Candidate = { package: '@tensorflow/tfjs-backend-cpu', gpu: false, load: loadCpu };
  switch (pref) {
    case 'auto':
      return [gpu, node, wasm, cpu];
    case 'tensorflow':
      return [gpu, node];
    case 'wasm':
      return [wasm];
    case 'cpu':
      return [cpu];
  }
}

let selected: Promise<BackendInfo> | undefined;

/**
 * Selects (once per process or worker thread) and returns the backend; later calls return the
 * same answer, whatever options they pass.
 */
export function selectBackend(pref: BackendPreference, opts: BackendOptions = {}): Promise<BackendInfo> {
  selected ??= trySelect(pref, opts);
  return selected;
}

async function trySelect(pref: BackendPreference, opts: BackendOptions): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  for (const c of candidates(pref, opts)) {
    try {
      const { name, threads, note } = await c.load();
      await tf.ready();
      return {
        name,
        package: c.package,
        version: tf.version.tfjs,
        gpu: c.gpu,
        skipped,
        threads: threads ?? 1,
        ...(note ? { note } : {}),
      };
    } catch (err) {
      skipped.push({ package: c.package, reason: shortReason(err) });
    }
  }
  selected = undefined;
  throw new Error(
    `No TensorFlow.js backend could be started for TFJS_BACKEND=${pref}: ` +
      skipped.map((s) => `${s.package}: ${s.reason}`).join('; '),
  );
}

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(msg)) return 'not installed';
  return msg.split('\n')[0]?.slice(0, 200) ?? 'failed';
}
