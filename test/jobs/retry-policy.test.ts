import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PermanentJobError,
  TrainerCrashError,
  classifyFailure,
  jobFailure,
} from '../../src/jobs/retry-policy.js';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../../src/lib/errors.js';
import { CancelledError } from '../../src/lib/cancellation.js';
import { noSpaceError } from '../../src/storage/free-space.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** A small two-class CSV: enough for a job that trains in a second. */
function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    lines.push(`${(c ? 1 : -1) + (i % 7) / 20},${(c ? -1 : 1) + (i % 5) / 20},${c ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

/** A real ENOSPC: /dev/full refuses every write with it. */
async function enospc(): Promise<unknown> {
  return writeFile('/dev/full', 'x').then(
    () => new Error('/dev/full accepted a write'),
    (err: unknown) => err,
  );
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('the retry policy, class by class', () => {
  it('retries crashes of the trainer process: a signal (OOM killer, kill -9) or an exit', () => {
    for (const exit of [{ signal: 'SIGKILL' }, { signal: 'SIGABRT' }, { code: 134 }]) {
      const v = classifyFailure(new TrainerCrashError(exit));
      expect(v).toMatchObject({ kind: 'crash', retry: true });
      expect(v.message).toMatch(/trainer process stopped without finishing the job/);
    }
  });

  it('retries what it cannot classify (a store or Redis that did not answer)', () => {
    const v = classifyFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(v).toMatchObject({ kind: 'transient', retry: true });
    expect(classifyFailure(new ServiceUnavailableError('Redis is down'))).toMatchObject({ retry: true });
    expect(classifyFailure(s3Error('InternalError', 500))).toMatchObject({ kind: 'transient', retry: true });
  });

  it('does not retry a full volume or quota (ENOSPC, EDQUOT, the 507 error), saying what to do', async () => {
    const raw = await enospc();
    expect((raw as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const v = classifyFailure(raw);
    expect(v).toMatchObject({ kind: 'no-space', retry: false });
    expect(v.message).toMatch(/is full; free space \(delete datasets, base models or models/);
    expect(classifyFailure(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toMatchObject({
      kind: 'no-space',
      retry: false,
    });
    const wrapped = new Error('could not save', { cause: raw });
    expect(classifyFailure(wrapped).kind).toBe('no-space');
    const typed = await noSpaceError("the model 'm_x'", os.tmpdir(), { cause: raw });
    expect(classifyFailure(typed)).toMatchObject({ kind: 'no-space', retry: false, message: typed.message });
  });

  it('does not retry object-store answers that mean no room or quota', () => {
    for (const [name, status] of [
      ['XMinioStorageFull', 507],
      ['XMinioAdminBucketQuotaExceeded', 400],
      ['QuotaExceeded', 403],
      ['SomeGatewayError', 507],
    ] as const) {
      expect(classifyFailure(s3Error(name, status)), name).toMatchObject({ kind: 'no-space', retry: false });
    }
  });

  it('does not retry bad input or a spec the data contradicts', () => {
    expect(classifyFailure(new ValidationError('fit.batchSize: too large'))).toMatchObject({
      kind: 'bad-input',
      retry: false,
    });
    expect(classifyFailure(new NotFoundError("dataset 'ds_x' not found"))).toMatchObject({ retry: false });
    expect(
      classifyFailure(new PermanentJobError('the job spec no longer fits its dataset or base: cutAt')),
    ).toMatchObject({ kind: 'bad-input', retry: false });
  });

  it('does not retry a cancel, nor an engine that ran out of its heap in a sound process', () => {
    expect(classifyFailure(new CancelledError())).toMatchObject({ kind: 'cancelled', retry: false });
    const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } })
      .WebAssembly;
    const abort = new RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    const v = classifyFailure(abort, 'wasm');
    expect(v).toMatchObject({ kind: 'engine-memory', retry: false });
    expect(v.message).toMatch(/ran out of memory on the wasm backend.*lower fit\.batchSize/);
  });

  it('jobFailure: a PermanentJobError of its class when not retried, the error itself otherwise', async () => {
    const full = jobFailure(await enospc(), 'cpu');
    expect(full).toBeInstanceOf(PermanentJobError);
    expect((full as PermanentJobError).kind).toBe('no-space');
    const blip = new Error('socket hang up');
    expect(jobFailure(blip, 'cpu')).toBe(blip);
    const crash = new TrainerCrashError({ signal: 'SIGKILL' });
    expect(jobFailure(crash, 'cpu')).toBe(crash);
  });
});

describe('a trainer process killed by a signal (as the OOM killer does)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '50' });
    ctx.startWorker({}, { fault: 'signal' });
  });
  afterAll(() => ctx.close());

  it('is a crash: retried until its attempts run out, the error naming the signal', async () => {
    const http = api(ctx);
    const ds = await http.uploadDataset(Buffer.from(csv(32)), 'd.csv');
    const created = await http.createJob({
      datasetId: ds.id,
      head: [],
      fit: { epochs: 1 },
      evaluation: { method: 'holdout' },
    });
    const end = await http.waitForJob(created.id, { states: ['failed'], timeoutMs: 90_000 });
    expect(end.attempts).toBe(2);
    expect(end.error).toMatch(/trainer process stopped without finishing the job \(signal SIGKILL\)/);
    expect(end.failure).toMatchObject({ attempt: 2, maxAttempts: 2, retried: false });
  }, 120_000);
});
