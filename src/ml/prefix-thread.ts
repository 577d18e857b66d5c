import * as tf from '@tensorflow/tfjs';
import { CallThread } from '../lib/call-thread.js';

/**
 * The frozen prefix on a second core. The wasm backend runs one thread under Node, so during an
 * uncached phase (augmentation, or features over the cache budget) one core trains while the
 * other idles, though the frozen prefix is inference that needs nothing from the step: in a
 * MobileNetV2 fine-tune of the top blocks it is over half the step. A worker thread with its own
 * wasm instance runs the prefix of the next batch while this thread trains on the current one.
 * Same binary, same kernels, same weights (sent once; frozen weights do not change during a
 * phase), one thread each: its features are the ones `prefix.predict` gives here.
 */

export interface PrefixInit {
  artifacts: tf.io.ModelArtifacts;
  threads: number;
}
export interface PrefixBatch {
  data: Float32Array;
  shape: number[];
}

export class PrefixThread {
  private constructor(private readonly thread: CallThread<PrefixInit, null, PrefixBatch, PrefixBatch>) {}

  /** Starts a thread with `prefix` loaded; rejects if the thread or the model cannot start. */
  static async start(
    prefix: tf.LayersModel,
    opts: { threads?: number; timeoutMs?: number } = {},
  ): Promise<PrefixThread> {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await prefix.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!artifacts) throw new Error('prefix thread: the prefix did not serialise');
    // Copied rather than transferred: the artifacts may share buffers with the model.
    const thread = await CallThread.start<PrefixInit, null, PrefixBatch, PrefixBatch>(
      import.meta.url,
      'prefix-thread-main',
      { artifacts, threads: opts.threads ?? 1 },
      { name: 'prefix thread', ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
    );
    return new PrefixThread(thread);
  }

  /** The prefix's output for `xs`, computed on the thread; `xs` stays the caller's. */
  async run(xs: tf.Tensor): Promise<tf.Tensor> {
    const data = Float32Array.from((await xs.data()) as Float32Array);
    const out = await this.thread.call({ data, shape: xs.shape }, [data.buffer]);
    return tf.tensor(out.data, out.shape, 'float32');
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
