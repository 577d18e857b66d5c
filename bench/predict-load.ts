/**
 * The load generator of bench/predict.ts, in a process of its own: autocannon then competes with
 * the server for cores only, never for its event loop, as in TF Serving's and TorchServe's
 * benchmarks where the client is a separate program. It takes one LoadRequest over IPC, runs
 * autocannon on its main thread, replies with a LoadResult (JSON) and exits.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  url: string;
  /** JSON request bodies, cycled through by every connection. */
  bodies: string[];
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** CPU time this process (the load generator) used during the run. */
  cpuMs: number;
  /** CPU time this process used in all, start-up included. */
  processCpuMs: number;
}

async function run(req: LoadRequest): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const r = await autocannon({
    url: req.url,
    connections: req.connections,
    duration: req.durationSec,
    requests: req.bodies.map((body) => ({
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })),
  });
  const cpu = process.cpuUsage(cpu0);
  const total = process.cpuUsage();
  return {
    requests: r.requests.total,
    durationSec: r.duration,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latency: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      mean: r.latency.mean,
      max: r.latency.max,
    },
    cpuMs: (cpu.user + cpu.system) / 1000,
    processCpuMs: (total.user + total.system) / 1000,
  };
}

process.once('message', (msg) => {
  run(msg as LoadRequest).then(
    (result) => process.send?.({ ok: true, result }, () => process.disconnect()),
    (err: unknown) =>
      process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }, () =>
        process.disconnect(),
      ),
  );
});
