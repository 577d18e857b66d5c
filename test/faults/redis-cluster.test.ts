import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app.js';
import { freePort } from '../helpers/redis-server.js';
import { startCluster, type LocalCluster } from '../helpers/redis-cluster.js';
import { apiReady, spawnService, type ServiceProcess } from '../helpers/service-process.js';
import { getJob, jobEnd, jobSpec, postJob, predict, uploadCsv } from './fixtures.js';
import { recordFault } from './outcomes.js';

/**
 * The service on a real Redis Cluster (three masters, three replicas on loopback): an API and a
 * worker process connect through REDIS_CLUSTER_NODES with a hash-tagged prefix, train and
 * predict; then the master serving the queues' slot is killed with SIGKILL while a job runs, and
 * that job and a new one complete once its replica has taken over.
 */
describe('Redis Cluster with a master failover', () => {
  let cluster: LocalCluster;
  let dataDir: string;
  let base = '';
  const procs: ServiceProcess[] = [];
  const prefix = `{test-${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    cluster = await startCluster();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cluster-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes,
      // REDIS_URL points nowhere: the cluster must be the only Redis in use.
      REDIS_URL: 'redis://127.0.0.1:1',
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '200',
      JOB_LOCK_MS: '5000',
    };
    procs.push(spawnService({ ...env, ROLE: 'api', PORT: String(port) }));
    procs.push(spawnService({ ...env, ROLE: 'worker' }));
    await apiReady(base);
  }, 180_000);

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    await cluster?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('trains and predicts, and keeps doing so after a master is killed', async () => {
    const out = () => procs.map((p) => p.output()).join('\n');
    const up = await uploadCsv(base, 80);
    expect(up.status, await up.clone().text()).toBe(201);
    const ds = (await up.json()) as { id: string };

    const first = await postJob(base, jobSpec(ds.id, { modelName: 'points' }));
    expect(first.status).toBe(202);
    const firstEnd = await jobEnd(base, ((await first.json()) as { id: string }).id);
    expect(firstEnd.state, out()).toBe('completed');
    expect((await predict(base, firstEnd.modelId!)).status).toBe(200);

    // A job running while the master of the queues' slot dies.
    const running = await postJob(base, jobSpec(ds.id, { fit: { epochs: 30, batchSize: 8 } }));
    expect(running.status).toBe(202);
    const runningId = ((await running.json()) as { id: string }).id;
    await waitFor(async () => (await getJob(base, runningId))?.state === 'running', 120_000, 100);

    const master = cluster.masterFor(prefix);
    const killedAt = Date.now();
    await cluster.kill(master);
    // Requests during the failover: answered, and never with a 500 (503 while no master serves).
    const statuses = new Map<number, number>();
    let probing = true;
    let slowest = 0;
    const probe = (async () => {
      while (probing) {
        for (const url of [`${base}/v1/jobs/${runningId}`, `${base}/v1/jobs?limit=5`]) {
          const t0 = Date.now();
          const r = await fetch(url, { signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
          slowest = Math.max(slowest, Date.now() - t0);
          const code = r?.status ?? 0;
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
          await r?.body?.cancel();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const promotedMaster = () => {
      try {
        return cluster.healthy() && cluster.masterFor(prefix) !== master;
      } catch {
        return false; // no master serves the slot yet
      }
    };
    await waitFor(async () => promotedMaster(), 60_000, 100);
    const promotedMs = Date.now() - killedAt;

    // The API answers again (a 503 while no master serves the slot is the truthful answer).
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 60_000);
    const apiBackMs = Date.now() - killedAt;
    probing = false;
    await probe;
    expect(
      [...statuses.keys()].filter((c) => c !== 200 && c !== 503),
      JSON.stringify([...statuses]),
    ).toEqual([]);

    const runningEnd = await jobEnd(base, runningId, 240_000);
    expect(runningEnd.state, out()).toBe('completed');
    const runningDoneMs = Date.now() - killedAt;

    // A new job after the failover, end to end.
    const next = await waitFor(
      async () => {
        const r = await postJob(base, jobSpec(ds.id, { modelName: 'points' }));
        return r.status === 202 ? r : undefined;
      },
      60_000,
      200,
    );
    const nextEnd = await jobEnd(base, ((await next.json()) as { id: string }).id);
    expect(nextEnd.state, out()).toBe('completed');
    const pr = await predict(base, nextEnd.modelId!);
    expect(pr.status).toBe(200);
    const byName = await fetch(`${base}/v1/models/points`);
    expect(((await byName.json()) as { version: number }).version).toBe(2);
    const recoveredMs = Date.now() - killedAt;

    recordFault(
      'job queue (Redis Cluster)',
      'training',
      'the master serving the queues',
      `replica promoted in ${(promotedMs / 1000).toFixed(1)} s; no 500 meanwhile; the running job completes; a new job trains and predicts`,
    );
    console.log(
      `[redis-cluster] master :${master} killed; replica promoted after ${promotedMs} ms, ` +
        `API ready after ${apiBackMs} ms, the running job completed after ${runningDoneMs} ms, ` +
        `a new job trained and predicted after ${recoveredMs} ms; answers during the failover: ` +
        `${JSON.stringify(Object.fromEntries(statuses))} (status: count), the slowest in ${slowest} ms`,
    );
  });
});
