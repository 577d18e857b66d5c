/**
 * The worker-thread side of PrefixThread (prefix-thread.ts): a wasm backend of its own, the frozen
 * prefix loaded from the artifacts it is sent once, then one `predict` per batch it is sent.
 */
import * as tf from '@tensorflow/tfjs';
import { serveCalls } from '../lib/call-thread.js';
import { initWasmBackend } from './wasm-kernels/index.js';
import type { PrefixBatch, PrefixInit } from './prefix-thread.js';

let model: tf.LayersModel | undefined;

serveCalls<PrefixInit, null, PrefixBatch, PrefixBatch>({
  async init({ artifacts, threads }) {
    await initWasmBackend({ threads });
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    return null;
  },
  async call({ data, shape }) {
    if (!model) throw new Error('prefix thread used before init');
    const current = model;
    const out = tf.tidy(() => current.predict(tf.tensor(data, shape, 'float32')) as tf.Tensor);
    try {
      const values = (await out.data()) as Float32Array;
      return { value: { data: values, shape: out.shape }, transfer: [values.buffer as ArrayBuffer] };
    } finally {
      out.dispose();
    }
  },
});
