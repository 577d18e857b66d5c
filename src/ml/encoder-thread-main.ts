/**
 * The worker-thread side of the encoder threads (encoder-threads.ts): a wasm backend of its own,
 * the sentence encoder in `dir` loaded once, then one `encode` per chunk of texts it is sent.
 */
import { serveCalls } from '../lib/call-thread.js';
import type { EncoderInit } from './encoder-threads.js';
import { loadSentenceEncoder, type SentenceEncoder } from './sentence-encoder.js';
import { initWasmBackend } from './wasm-kernels/index.js';

let encoder: SentenceEncoder | undefined;

serveCalls<EncoderInit, { dimension: number }, string[], Float32Array>({
  async init({ dir, threads }) {
    await initWasmBackend({ threads });
    encoder = await loadSentenceEncoder(dir);
    return { dimension: encoder.dimension };
  },
  async call(texts) {
    if (!encoder) throw new Error('encoder thread used before init');
    const data = await encoder.encode(texts);
    return { value: data, transfer: [data.buffer as ArrayBuffer] };
  },
});
