/**
 * The worker-thread side of EncoderThread (encoder-threads.ts): a wasm backend of its own, the
 * sentence encoder in `dir` loaded once, then one `encode` per chunk of texts it is sent.
 */
import { parentPort } from 'node:worker_threads';
import type { EncoderReply, EncoderRequest } from './encoder-threads.js';
import { loadSentenceEncoder, type SentenceEncoder } from './sentence-encoder.js';
import { initWasmBackend } from './wasm-kernels/index.js';

const port = parentPort;
if (!port) throw new Error('encoder-thread-main runs in a worker thread only');
let encoder: SentenceEncoder | undefined;

async function handle(req: EncoderRequest): Promise<void> {
  if (req.type === 'init') {
    await initWasmBackend({ threads: req.threads });
    encoder = await loadSentenceEncoder(req.dir);
    port!.postMessage({ type: 'ready', dimension: encoder.dimension } satisfies EncoderReply);
    return;
  }
  if (!encoder) throw new Error('encoder thread used before init');
  const data = await encoder.encode(req.texts);
  port!.postMessage({ type: 'done', id: req.id, data } satisfies EncoderReply, [data.buffer as ArrayBuffer]);
}

port.on('message', (req: EncoderRequest) => {
  handle(req).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({
      type: 'error',
      id: req.type === 'encode' ? req.id : -1,
      message,
    } satisfies EncoderReply);
  });
});
