import { z } from 'zod';

/**
 * The one rule for every name a user gives and sees again: dataset, base-model and class names,
 * file names shown back (model names have a stricter alphabet of their own, model-name.ts).
 *
 * - Unicode NFC: `café` typed as é or as e + combining accent is one name, as it looks.
 * - No control characters (C0, DEL, C1: NUL, newlines, escapes) and no bidirectional embedding,
 *   override or isolate characters (U+202A-U+202E, U+2066-U+2069), which make a name display
 *   differently from what it is ("Trojan source"). Marks (U+200E/U+200F) stay: right-to-left
 *   scripts need them.
 * - Class names are also keys (classWeight, per-class reports): `__proto__`, `constructor` and
 *   `prototype` are refused, since JSON parsers and JavaScript objects treat them specially.
 */

// Control characters are what these patterns are for.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** Keys JSON parsers and JavaScript objects treat specially. */
export const RESERVED_CLASS_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const codePoint = (c: string): string =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `name` breaks the character rule; undefined when it does not. */
export function nameCharacterProblem(name: string): string | undefined {
  const control = CONTROL.exec(name);
  if (control) return `holds a control character (${codePoint(control[0])})`;
  const bidi = BIDI_CONTROL.exec(name);
  if (bidi) {
    return `holds a bidirectional control character (${codePoint(bidi[0])}), which makes text display differently from what it is`;
  }
  return undefined;
}

/** Why `name` cannot be a class name; undefined when it can. */
export function classNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  const chars = nameCharacterProblem(name);
  if (chars) return chars;
  if (RESERVED_CLASS_NAMES.includes(name)) {
    return `is reserved: JSON parsers and JavaScript objects treat '${name}' specially (rename the class)`;
  }
  return undefined;
}

/** The stored form of a name: NFC. */
export function canonicalName(name: string): string {
  return name.normalize('NFC');
}

/** A name as text that shows what it holds: control and bidi characters written as \u{...}. */
export function visibleName(name: string): string {
  return name.replace(HIDDEN, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

/** Request schemas for a free-text name: NFC, trimmed, 1..max characters, the character rule. */
export function userNameSchema(max = 200) {
  return z
    .string()
    .transform((s) => canonicalName(s).trim())
    .pipe(z.string().min(1).max(max))
    .superRefine((name, ctx) => {
      const problem = nameCharacterProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
