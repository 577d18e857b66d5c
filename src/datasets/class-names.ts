import { canonicalName, classNameProblem, visibleName } from '../contracts/user-names.js';
import { ValidationError, type FieldError } from '../lib/errors.js';

/**
 * Class names as uploaded (folder names, label cells) through the one name rule
 * (contracts/user-names.ts): each raw label maps to its NFC form; a label that breaks the rule,
 * or two labels that differ only in their Unicode spelling, refuse the upload naming them.
 */

const MAX_LISTED = 10;

/** Every character outside printable ASCII as \u{...}: two spellings that look alike differ here. */
function spelled(name: string): string {
  return name.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

export function canonicalClasses(labels: Iterable<string>, field = 'file'): Map<string, string> {
  const out = new Map<string, string>();
  const spellingOf = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const raw of labels) {
    if (out.has(raw)) continue;
    const name = canonicalName(raw);
    out.set(raw, name);
    const problem = classNameProblem(name);
    if (problem) errors.push({ path: field, message: `class '${visibleName(raw)}' ${problem}` });
    const other = spellingOf.get(name);
    if (other === undefined) spellingOf.set(name, raw);
    else {
      errors.push({
        path: field,
        message:
          `classes '${visibleName(name)}' spelled '${spelled(other)}' and '${spelled(raw)}' are one name ` +
          'in two Unicode spellings (composed and decomposed accents); use one spelling for both',
      });
    }
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, 3).map((e) => e.message);
    throw new ValidationError(`${shown.join('; ')}${errors.length > 3 ? '; ...' : ''}`, {
      errors: errors.slice(0, MAX_LISTED),
    });
  }
  return out;
}
