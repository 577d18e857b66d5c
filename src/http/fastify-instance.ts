import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { clientErrorHandler, frameworkErrors } from './plugins/error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method + URL pattern), for the OpenAPI coverage test. */
    registeredRoutes: Array<{ method: string; url: string; hidden: boolean }>;
  }
}

/** The bare instance: logger, body limit, zod compilers and the route list the OpenAPI test reads. */
export function createFastify(config: Config, logger: Logger): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // Typed as Fastify's base logger: pino's own type is stricter and breaks route typing.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.MAX_JSON_BODY_BYTES,
    // A hop count becomes proxy-addr's own form: trust the nearest n hops.
    trustProxy:
      typeof config.TRUST_PROXY === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.TRUST_PROXY)
        : config.TRUST_PROXY,
    requestIdHeader: 'x-request-id',
    frameworkErrors,
    clientErrorHandler,
  });
  const routes: FastifyInstance['registeredRoutes'] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routes.push({ method: String(method), url: route.url, hidden });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app;
}
