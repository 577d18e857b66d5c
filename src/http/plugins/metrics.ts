import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DiskReport } from '../../storage/disk-monitor.js';

/**
 * Prometheus metrics on a registry owned by this app instance (tests build many apps in one
 * process; a global registry would collide). Other parts register their own metrics on
 * `app.metrics.registry`.
 */

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry };
  }
}

export interface MetricsOptions {
  /** Job counts by state, read at scrape time (undefined when no queue is attached). */
  jobCounts?: () => Promise<Record<string, number>>;
  /** Trainer processes started and crashed over every worker, read at scrape time. */
  trainerStats?: () => Promise<{ started: number; crashed: number }>;
  /** Free space on DATA_DIR (src/storage/disk-monitor.ts), read at scrape time. */
  disk?: () => Promise<DiskReport>;
}

export default fp(
  async function metrics(app: FastifyInstance, opts: MetricsOptions) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const http = registerHttpMetrics(registry);
    if (opts.jobCounts) registerJobGauges(registry, opts.jobCounts);
    if (opts.trainerStats) registerTrainerGauges(registry, opts.trainerStats);
    if (opts.disk) registerDiskGauges(registry, opts.disk);

    app.decorate('metrics', { registry });

    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would explode label cardinality.
      const route = request.routeOptions.url ?? 'unmatched';
      http.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      http.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);

/** The request counter and latency histogram, by method and route pattern, that every response feeds. */
function registerHttpMetrics(registry: Registry): {
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
} {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { requests, latency };
}

/** Jobs in the training queue by state, and the depth waiting to run, read at scrape time. */
function registerJobGauges(registry: Registry, jobCounts: () => Promise<Record<string, number>>): void {
  new Gauge({
    name: 'jobs',
    help: 'Jobs in the training queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await jobCounts();
        this.reset();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      } catch {
        // Redis down: the gauge keeps its last values; /readyz reports the outage.
      }
    },
  });
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs waiting to run (waiting + delayed + prioritized)',
    registers: [registry],
    async collect() {
      try {
        const c = await jobCounts();
        this.set((c['waiting'] ?? 0) + (c['delayed'] ?? 0) + (c['prioritized'] ?? 0));
      } catch {
        // see above
      }
    },
  });
}

/** Trainer processes started and crashed over every worker (cumulative), read at scrape time. */
function registerTrainerGauges(
  registry: Registry,
  trainerStats: () => Promise<{ started: number; crashed: number }>,
): void {
  for (const [name, help, pick] of [
    [
      'trainer_processes_started',
      'Trainer processes started, one per job, over all workers (cumulative)',
      'started',
    ],
    [
      'trainer_processes_crashed',
      'Trainer processes that ended without finishing their job (wasm abort, OOM kill), over all workers (cumulative)',
      'crashed',
    ],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await trainerStats().catch(() => undefined);
        if (s) this.set(s[pick]);
      },
    });
  }
}

/**
 * DATA_DIR's free, used and total bytes and whether free space is below its floor. One scrape
 * reads the volume once (the gauges share the reading of the same scrape).
 */
function registerDiskGauges(registry: Registry, disk: () => Promise<DiskReport>): void {
  let pending: Promise<DiskReport | undefined> | undefined;
  const read = (): Promise<DiskReport | undefined> => {
    pending ??= disk()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  for (const [name, help, pick] of [
    ['data_dir_free_bytes', 'Bytes free on the volume of DATA_DIR (for unprivileged writers)', 'freeBytes'],
    ['data_dir_used_bytes', 'Bytes used on the volume of DATA_DIR', 'usedBytes'],
    ['data_dir_total_bytes', 'Size of the volume of DATA_DIR in bytes', 'totalBytes'],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const d = await read();
        if (d) this.set(d[pick]);
      },
    });
  }
  new Gauge({
    name: 'data_dir_low_space',
    help: '1 when free space on DATA_DIR is below DISK_MIN_FREE_BYTES or DISK_MIN_FREE_PERCENT',
    registers: [registry],
    async collect() {
      const d = await read();
      if (d) this.set(d.low ? 1 : 0);
    },
  });
}
