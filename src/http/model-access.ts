import { mayPredictWith, type Principal } from '../contracts/project.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { ForbiddenError } from '../lib/errors.js';

/**
 * The check a predict route runs on the model it resolved: a key limited to some models (its
 * `models` list) may use those only; 403 naming what it may use.
 */
export function allowModel(principal: Principal): (meta: Pick<ModelMeta, 'id' | 'name'>) => void {
  return (meta) => {
    if (mayPredictWith(principal, meta)) return;
    throw new ForbiddenError(
      `key '${principal.keyId}' may predict with ${principal.models!.map((m) => `'${m}'`).join(', ')} only, not model '${meta.name ?? meta.id}'`,
      { extra: { models: principal.models } },
    );
  };
}
