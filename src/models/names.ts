import { ValidationError } from '../lib/errors.js';
import { aliasProblem, modelNameProblem } from '../contracts/model-name.js';
import { isSafeId } from '../lib/ids.js';

export function assertModelName(name: string, field = 'name'): string {
  const problem = modelNameProblem(name);
  if (problem) {
    throw new ValidationError(`'${field}' is not a valid model name: ${problem}`, {
      errors: [{ path: field, message: problem }],
    });
  }
  return name;
}

export type ModelRef =
  | { kind: 'id'; id: string }
  | { kind: 'name'; name: string; version?: number }
  | { kind: 'alias'; name: string; alias: string };

/**
 * What a `:id` path segment of /v1/models means: an id, a name, `name@3` (a version),
 * `name@production` (an alias), or nothing valid (400).
 */
export function parseModelRef(idOrName: string, field = 'id'): ModelRef {
  if (isSafeId(idOrName)) return { kind: 'id', id: idOrName };
  const at = idOrName.indexOf('@');
  const name = at < 0 ? idOrName : idOrName.slice(0, at);
  const suffix = at < 0 ? undefined : idOrName.slice(at + 1);
  if (modelNameProblem(name) === undefined) {
    if (suffix === undefined) return { kind: 'name', name };
    if (/^[1-9][0-9]{0,9}$/.test(suffix)) return { kind: 'name', name, version: Number(suffix) };
    const problem = aliasProblem(suffix);
    if (problem === undefined) return { kind: 'alias', name, alias: suffix };
    throw new ValidationError(`'${field}': '${suffix}' after '@' is neither a version nor an alias`, {
      errors: [{ path: field, message: `expected name@<version> or name@<alias>; an alias ${problem}` }],
    });
  }
  throw new ValidationError(`'${field}' is neither a model id nor a valid model name`, {
    errors: [{ path: field, message: 'expected a model id (m_...), a model name, or name@alias' }],
  });
}
