/**
 * Messages between the API process and its inference workers (threads or child processes;
 * both carry structured clones, so typed arrays cross without JSON). Every request has a `seq`
 * and gets exactly one reply with the same `seq`.
 */

export type WorkerBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface ModelTarget {
  modelId: string;
  /** Absolute folder holding model.json + weights. */
  dir: string;
  /** Shape of one example (no batch dimension), from the model's meta. */
  shape: number[];
  /** Text models: how the worker turns texts into the model's input rows. */
  text?: TextTarget;
  /** Classifiers with a novelty rule: each output row gets the novelty appended. */
  novelty?: NoveltyTarget;
}

/** The reference features beside the model (float32 rows of `dims`, unit length). */
export interface NoveltyTarget {
  path: string;
  dims: number;
  k: number;
}

/** Tokenizing (and encoding) runs in the worker, never on the API's event loop. */
export type TextTarget =
  | { tokenizer: 'sentence-encoder'; encoderDir: string }
  | { tokenizer: 'words'; vocabularyPath: string; maxLength: number };

export type WorkerRequest =
  | { type: 'init'; seq: number; backend: WorkerBackend; wasmThreads?: number }
  | ({ type: 'load'; seq: number } & ModelTarget)
  | ({
      type: 'predict';
      seq: number;
      rows: number;
      /** rows x shape, row-major; empty when `texts` carries the rows instead. */
      input: Float32Array;
      texts?: string[];
    } & ModelTarget)
  | { type: 'unload'; seq: number; modelId: string }
  | { type: 'stats'; seq: number };

export interface LoadResult {
  /** Tensor memory the model holds in this worker. */
  bytes: number;
  loadMs: number;
}

export interface PredictResult {
  /** rows x cols, row-major. */
  output: Float32Array;
  cols: number;
  forwardMs: number;
  /** Text models: time spent tokenizing and encoding, within forwardMs. */
  encodeMs?: number;
}

export interface WorkerStats {
  /** threadId or pid. */
  worker: number;
  backend: string;
  numTensors: number;
  numBytes: number;
  models: Array<{ modelId: string; bytes: number; busy: number }>;
  /** Models loaded from disk since the worker started (cache misses). */
  loads: number;
  batches: number;
  /** CPU time this worker's thread has used (Linux only). */
  cpuMs?: number;
}

export interface WorkerError {
  message: string;
  /** errno code when the failure was a filesystem one (ENOENT: the model is gone). */
  code?: string;
}

export type WorkerReply =
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; error: WorkerError };
