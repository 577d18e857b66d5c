/**
 * What the TF.js engines say when they run out of memory or break, turned into messages a user
 * can act on. A wasm module that aborts (`Aborted()`, `memory access out of bounds`, a failed
 * `WebAssembly.Memory.grow`) has a corrupted heap: the process it ran in must not train again
 * (the worker runs every job in a fresh process; see src/queue/trainer-process.ts). Pure text
 * matching, kept out of src/ml/ so the worker's retry policy (src/jobs/retry-policy.ts) does
 * not load TF.js.
 */

const OUT_OF_MEMORY = [
  /^Aborted\(/,
  /memory access out of bounds/i,
  /WebAssembly\.Memory/i,
  /Cannot enlarge memory/i,
  /Out of memory/i,
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /OOM when allocating/i,
  /ResourceExhaustedError/i,
  /failed to allocate/i,
];

export class EngineMemoryError extends Error {
  constructor(
    readonly engineMessage: string,
    backend: string,
  ) {
    super(
      `training ran out of memory on the ${backend} backend` +
        (backend === 'wasm' ? ' (its heap is at most 4 GiB)' : '') +
        ': lower fit.batchSize or the input size, cut the base earlier, or use smaller head layers',
    );
    this.name = 'EngineMemoryError';
  }
}

/** The engine failure behind `err`, when it is one; undefined for every other error. */
export function engineFailure(err: unknown, backend: string): EngineMemoryError | undefined {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === 'RangeError' && /allocation|array length/i.test(text)) {
    return new EngineMemoryError(text, backend);
  }
  if (OUT_OF_MEMORY.some((re) => re.test(text) || re.test(msg))) return new EngineMemoryError(text, backend);
  if (err instanceof Error && err.name === 'RuntimeError') return new EngineMemoryError(text, backend);
  return undefined;
}
