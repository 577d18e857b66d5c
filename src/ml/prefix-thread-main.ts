/**
 * The worker-thread side of PrefixThread (prefix-thread.ts): a wasm backend of its own, the frozen
 * prefix loaded from the artifacts it is sent once, then one `predict` per batch it is sent.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from './wasm-kernels/index.js';
import type { PrefixReply, PrefixRequest } from './prefix-thread.js';

const port = parentPort;
if (!port) throw new Error('prefix-thread-main runs in a worker thread only');
let model: tf.LayersModel | undefined;

async function handle(req: PrefixRequest): Promise<void> {
  if (req.type === 'init') {
    await initWasmBackend({ threads: req.threads });
    model = await tf.loadLayersModel(tf.io.fromMemory(req.artifacts));
    port!.postMessage({ type: 'ready' } satisfies PrefixReply);
    return;
  }
  if (!model) throw new Error('prefix thread used before init');
  const current = model;
  const out = tf.tidy(() => current.predict(tf.tensor(req.data, req.shape, 'float32')) as tf.Tensor);
  try {
    const data = (await out.data()) as Float32Array;
    const reply: PrefixReply = { type: 'done', id: req.id, data, shape: out.shape };
    port!.postMessage(reply, [data.buffer as ArrayBuffer]);
  } finally {
    out.dispose();
  }
}

port.on('message', (req: PrefixRequest) => {
  handle(req).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    port.postMessage({ type: 'error', id: req.type === 'run' ? req.id : -1, message } satisfies PrefixReply);
  });
});
