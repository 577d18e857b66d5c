import { ValidationError } from '../lib/errors.js';
import { modelNameProblem } from '../contracts/model-name.js';
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

export type ModelRef = { kind: 'id'; id: string } | { kind: 'name'; name: string };

/** What a `:id` path segment of /v1/models means: an id, a name, or nothing valid (400). */
export function parseModelRef(idOrName: string, field = 'id'): ModelRef {
  if (isSafeId(idOrName)) return { kind: 'id', id: idOrName };
  if (modelNameProblem(idOrName) === undefined) return { kind: 'name', name: idOrName };
  throw new ValidationError(`'${field}' is neither a model id nor a valid model name`, {
    errors: [{ path: field, message: 'expected a model id (m_...) or a model name' }],
  });
}
