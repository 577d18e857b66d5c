import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { loadOpenApi } from '../../src/http/plugins/docs.js';
import type { Reply } from '../helpers/api.js';

/**
 * JSON Schemas of the Open Inference Protocol's REST objects, written from the published spec
 * (kserve/open-inference-protocol, specification/protocol/inference_rest.md and
 * open_inference_rest.yaml) into openapi.yaml's components (`Oip...`): one copy, which the
 * linter checks as OpenAPI and these tests check responses against.
 */

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', ...(loadOpenApi() as object) });

const compiled = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
    compiled.set(name, v);
  }
  return v;
}

export type OipSchema =
  | 'OipServerLive'
  | 'OipServerReady'
  | 'OipServerMetadata'
  | 'OipModelMetadata'
  | 'OipModelReady'
  | 'OipInferenceRequest'
  | 'OipInferenceResponse'
  | 'OipError';

/** Fails the test, with Ajv's own words, unless `body` matches the schema. */
export function expectShape(name: OipSchema, body: unknown): void {
  const v = validator(name);
  const ok = v(body);
  expect(ok, `${name}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(body).slice(0, 400)}`).toBe(true);
}

/** An error answer of the protocol: the status, JSON (not problem+json) and `{ error }` only. */
export function expectOipError(res: Reply, status: number, contains?: string): string {
  expect(res.status, res.text).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.body as { error: string };
  expectShape('OipError', body);
  if (contains) expect(body.error).toContain(contains);
  return body.error;
}
