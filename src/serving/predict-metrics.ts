import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface TensorCount {
  /** `api`, or the inference worker's thread id / pid. */
  process: string;
  numTensors: number;
  numBytes: number;
}

/** Prediction metrics on the app's registry (GET /metrics). */
export class ServingMetrics {
  readonly latency: Histogram;
  readonly batchSize: Histogram;
  readonly queueWait: Histogram;
  readonly forward: Histogram;
  readonly instances: Counter;
  readonly loads: Counter;
  readonly evictions: Counter;

  constructor(
    registry: Registry,
    cache: () => { models: number; bytes: number },
    tensors: () => Promise<TensorCount[]>,
  ) {
    const registers = [registry];
    this.latency = new Histogram({
      name: 'predict_duration_seconds',
      help: 'Prediction request latency: preprocessing, queueing, forward pass and formatting',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'predict_batch_size',
      help: 'Rows per forward pass after dynamic batching',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'predict_batch_wait_seconds',
      help: 'Time the oldest row of a batch waited to be dispatched',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.forward = new Histogram({
      name: 'predict_forward_seconds',
      help: 'Forward pass time in the inference worker, per batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.instances = new Counter({
      name: 'predict_instances_total',
      help: 'Instances predicted',
      registers,
    });
    this.loads = new Counter({
      name: 'model_loads_total',
      help: 'Models loaded into an inference worker',
      registers,
    });
    this.evictions = new Counter({
      name: 'model_evictions_total',
      help: 'Models evicted from the cache to make room',
      registers,
    });
    registerCacheGauges(registers, cache, tensors);
  }
}

/** The inference workers' resident models and bytes, and live TF.js tensors by process, at scrape time. */
function registerCacheGauges(
  registers: Registry[],
  cache: () => { models: number; bytes: number },
  tensors: () => Promise<TensorCount[]>,
): void {
  new Gauge({
    name: 'model_cache_models',
    help: 'Models resident in inference workers',
    registers,
    collect() {
      this.set(cache().models);
    },
  });
  const tensorGauge = (name: string, help: string, pick: (t: TensorCount) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['process'] as const,
      registers,
      async collect() {
        const counts = await tensors().catch(() => undefined);
        if (!counts) return; // a worker that does not answer keeps its last value
        this.reset();
        for (const t of counts) this.set({ process: t.process }, pick(t));
      },
    });
  };
  tensorGauge(
    'tfjs_tensors',
    'Live TF.js tensors, by process (API and inference workers)',
    (t) => t.numTensors,
  );
  tensorGauge('tfjs_tensor_bytes', 'Bytes held by live TF.js tensors, by process', (t) => t.numBytes);
  new Gauge({
    name: 'model_cache_bytes',
    help: 'Estimated bytes of the models resident in inference workers',
    registers,
    collect() {
      this.set(cache().bytes);
    },
  });
}
