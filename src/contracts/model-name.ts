import { z } from 'zod';
import { ID_PATTERN } from './id-pattern.js';

/**
 * Model names group versions, as in TF Serving: `/v1/models/<name>/predict` serves the newest
 * version. A path segment is resolved as an id when it has id syntax and as a name otherwise,
 * so a name may never have id syntax; names are also folder names under DATA_DIR, hence the
 * strict alphabet (no separators, no leading dot).
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function modelNameProblem(name: string): string | undefined {
  if (!MODEL_NAME_PATTERN.test(name)) {
    return 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit';
  }
  if (ID_PATTERN.test(name)) return 'must not look like a model id (' + ID_PATTERN.source + ')';
  return undefined;
}

/** For job specs and other request schemas that carry a model name. */
export const modelNameSchema = z.string().superRefine((name, ctx) => {
  const problem = modelNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An alias of a model name (`emoji@production`): lowercase, never a number (`emoji@3` is a version). */
export const ALIAS_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function aliasProblem(alias: string): string | undefined {
  return ALIAS_PATTERN.test(alias)
    ? undefined
    : 'must be 1-32 lowercase letters, digits or "-", starting with a letter';
}
