import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { siblingModule, startModuleThread } from '../lib/source-module.js';

/**
 * The frozen prefix on a second core. The wasm backend runs one thread under Node, so during an
 * uncached phase (augmentation, or features over the cache budget) one core trains while the
 * other idles, though the frozen prefix is inference that needs nothing from the step: in a
 * MobileNetV2 fine-tune of the top blocks it is over half the step. A worker thread with its own
 * wasm instance runs the prefix of the next batch while this thread trains on the current one.
 * Same binary, same kernels, same weights (sent once; frozen weights do not change during a
 * phase), one thread each: its features are the ones `prefix.predict` gives here.
 */

export type PrefixRequest =
  | { type: 'init'; artifacts: tf.io.ModelArtifacts; threads: number }
  | { type: 'run'; id: number; data: Float32Array; shape: number[] };

export type PrefixReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; data: Float32Array; shape: number[] }
  | { type: 'error'; id: number; message: string };

export class PrefixThread {
  private seq = 0;
  private readonly calls = new Map<number, { resolve: (t: tf.Tensor) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: PrefixReply) => {
      if (m.type === 'ready') return;
      const call = this.calls.get(m.id);
      if (!call) return;
      this.calls.delete(m.id);
      if (m.type === 'done') call.resolve(tf.tensor(m.data, m.shape, 'float32'));
      else call.reject(new Error(`prefix thread: ${m.message}`));
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const call of this.calls.values()) call.reject(err);
      this.calls.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`prefix thread exited with code ${code}`)));
  }

  /** Starts a thread with `prefix` loaded; rejects if the thread or the model cannot start. */
  static async start(
    prefix: tf.LayersModel,
    opts: { threads?: number; timeoutMs?: number } = {},
  ): Promise<PrefixThread> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let artifacts: tf.io.ModelArtifacts | undefined;
    await prefix.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const worker = startModuleThread(siblingModule(import.meta.url, 'prefix-thread-main'));
    worker.unref();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('prefix thread did not start in time')), timeoutMs);
        const done = (err?: Error) => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', done);
          if (err) reject(err);
          else resolve();
        };
        const onMessage = (m: PrefixReply) => {
          if (m.type === 'ready') done();
          else if (m.type === 'error') done(new Error(`prefix thread: ${m.message}`));
        };
        worker.on('message', onMessage);
        worker.on('error', done);
        if (!artifacts) return done(new Error('the prefix did not serialise'));
        // Copied rather than transferred: the artifacts may share buffers with the model.
        worker.postMessage({ type: 'init', artifacts, threads: opts.threads ?? 1 } satisfies PrefixRequest);
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    const thread = new PrefixThread(worker);
    return thread;
  }

  /** The prefix's output for `xs`, computed on the thread; `xs` stays the caller's. */
  async run(xs: tf.Tensor): Promise<tf.Tensor> {
    if (this.failure) throw this.failure;
    const data = Float32Array.from((await xs.data()) as Float32Array);
    const id = this.seq++;
    this.worker.ref();
    try {
      return await new Promise<tf.Tensor>((resolve, reject) => {
        this.calls.set(id, { resolve, reject });
        this.worker.postMessage({ type: 'run', id, data, shape: xs.shape } satisfies PrefixRequest, [
          data.buffer,
        ]);
      });
    } finally {
      if (this.calls.size === 0) this.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
