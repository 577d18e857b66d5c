import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ValidationError } from '../../lib/errors.js';
import { checkJsonShape, type JsonShapeLimits } from '../../lib/json-shape.js';

/**
 * JSON bodies with bounded shape: nesting depth and array length are checked in one pass over
 * the text before it is parsed, so no body can stall the event loop or balloon memory on its
 * way to a 400. Parsing itself stays Fastify's own (prototype-poisoning checks included).
 */
/**
 * Fastify's parser refuses `__proto__` keys (and `constructor.prototype`) with the same "not
 * valid JSON" as a syntax error; when the text is valid JSON, say what was refused instead.
 */
function poisoned(text: string): ValidationError | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const message =
    "a key named '__proto__' (or 'constructor' holding 'prototype') is refused, as JSON parsers treat it " +
    'specially; no class may be named __proto__, constructor or prototype';
  return new ValidationError(`JSON body has ${message}`, { errors: [{ path: 'body', message }] });
}

export default fp(
  async function jsonBody(app: FastifyInstance, limits: JsonShapeLimits) {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      const bad = checkJsonShape(text, limits);
      if (bad) {
        const what =
          bad.kind === 'depth'
            ? `nested deeper than ${bad.limit} levels`
            : `an array longer than ${bad.limit} elements`;
        done(
          new ValidationError(`JSON body has ${what} (at character ${bad.offset})`, {
            errors: [{ path: 'body', message: `${bad.kind} limit ${bad.limit} exceeded` }],
          }),
          undefined,
        );
        return;
      }
      parse(request, text, (err, value) => done(err ? (poisoned(text) ?? err) : null, value));
    });
  },
  { name: 'json-body' },
);
