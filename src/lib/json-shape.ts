/**
 * A single pass over JSON text that refuses deep nesting and huge arrays before `JSON.parse`
 * sees them. `JSON.parse` of 16 MB of `[[[[...` holds the event loop for seconds and builds
 * millions of objects; this scan stops at the first bracket past the limit, costs one
 * comparison per character, and allocates one counter per open array.
 */

export interface JsonShapeLimits {
  maxDepth: number;
  maxArrayLength: number;
}

export type JsonShapeViolation = { kind: 'depth' | 'array-length'; limit: number; offset: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** The first violation, or undefined. Malformed JSON is left for `JSON.parse` to report. */
export function checkJsonShape(text: string, limits: JsonShapeLimits): JsonShapeViolation | undefined {
  // For each open container: -1 for an object, else the array's element count so far.
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (counts.length >= limits.maxDepth) return { kind: 'depth', limit: limits.maxDepth, offset: i };
        counts.push(c === OPEN_ARRAY ? 0 : -1);
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        counts.pop();
        break;
      case COMMA: {
        const top = counts.length - 1;
        const n = counts[top];
        if (n !== undefined && n >= 0) {
          // n commas so far: n + 1 elements, and this comma opens one more.
          if (n + 2 > limits.maxArrayLength) {
            return { kind: 'array-length', limit: limits.maxArrayLength, offset: i };
          }
          counts[top] = n + 1;
        }
        break;
      }
    }
  }
  return undefined;
}
