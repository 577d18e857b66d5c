import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import errorHandler, { domainProblem } from '../../src/http/plugins/error-handler.js';
import * as errors from '../../src/lib/errors.js';
import { api } from '../helpers/api.js';

describe('domain errors become problems in the error handler', () => {
  const classes = Object.entries(errors as Record<string, unknown>).filter(
    (e): e is [string, new (detail: string) => errors.AppError] =>
      typeof e[1] === 'function' && (e[1] as { prototype: unknown }).prototype instanceof errors.AppError,
  );

  it('maps every error class of src/lib/errors.ts to a 4xx or 5xx problem', () => {
    expect(classes.length).toBeGreaterThan(8);
    for (const [name, ErrorClass] of classes) {
      const problem = domainProblem(new ErrorClass('x'));
      expect(problem, name).toBeDefined();
      expect(problem!.status, name).toBeGreaterThanOrEqual(400);
    }
  });

  it('keeps the statuses clients rely on', () => {
    expect(domainProblem(new errors.ValidationError('x'))).toMatchObject({
      status: 400,
      type: 'validation-error',
    });
    expect(domainProblem(new errors.NotFoundError('x'))?.status).toBe(404);
    expect(domainProblem(new errors.PayloadTooLargeError('x'))?.status).toBe(413);
    expect(domainProblem(new errors.UnprocessableError('x'))?.status).toBe(422);
    expect(domainProblem(new errors.NotReadyError('x'))).toMatchObject({ status: 503, type: 'not-ready' });
    class FeatureOwnError extends errors.ServiceUnavailableError {}
    expect(domainProblem(new FeatureOwnError('x'))?.status).toBe(503);
    expect(errors.isRequestError(new errors.ConflictError('x'))).toBe(true);
    expect(errors.isRequestError(new errors.ServiceUnavailableError('x'))).toBe(false);
    expect(domainProblem(new errors.InsufficientStorageError('x'))).toMatchObject({
      status: 507,
      type: 'insufficient-storage',
    });
    expect(errors.isRequestError(new errors.InsufficientStorageError('x'))).toBe(false);
  });

  it('answers 507, not 500, for a write that ran out of room where no service named it', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorHandler, { dataDir: os.tmpdir() });
    // /dev/full refuses every write with a real ENOSPC.
    app.post('/v1/things', async () => writeFile('/dev/full', 'x'));
    const res = await api(app).post('/v1/things?token=secret');
    await app.close();
    expect(res.status).toBe(507);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.body;
    expect(body).toMatchObject({ type: 'urn:transfer-learning:problem:insufficient-storage', status: 507 });
    expect(body.detail).toMatch(
      /^the data of POST \/v1\/things could not be stored: the volume of DATA_DIR is full/,
    );
    expect(body.detail).not.toMatch(/secret|ENOSPC/);
    expect(body.bytesFree).toEqual(expect.any(Number));
  });
});
