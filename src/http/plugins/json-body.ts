import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ValidationError } from '../../lib/errors.js';
import { checkJsonShape, type JsonShapeLimits } from '../../lib/json-shape.js';

/**
 * JSON bodies with bounded shape: nesting depth and array length are checked in one pass over
 * the text before it is parsed, so no body can stall the event loop or balloon memory on its
 * way to a 400. Parsing itself stays Fastify's own (prototype-poisoning checks included).
 */
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
      parse(request, text, done);
    });
  },
  { name: 'json-body' },
);
