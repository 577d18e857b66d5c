import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadOpenApi } from '../../src/http/plugins/docs.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** Fastify's `:id` becomes OpenAPI's `{id}`. */
const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('openapi.yaml', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  it('documents every registered route', () => {
    const spec = loadOpenApi() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toMatch(/^3\.1/);
    const undocumented = ctx.app.registeredRoutes
      .filter((r) => !r.url.startsWith('/docs') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      // The dashboard (its page at /, its files under /ui/) is not part of the API.
      .filter((r) => r.url !== '/' && !r.url.startsWith('/ui/'))
      .filter((r) => !spec.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.url}`);
    expect(undocumented).toEqual([]);
  });

  it('documents no route that does not exist', () => {
    const spec = loadOpenApi() as { paths: Record<string, Record<string, unknown>> };
    const registered = new Set(
      ctx.app.registeredRoutes.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`),
    );
    const methods = ['get', 'post', 'put', 'patch', 'delete'];
    const phantom = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => methods.includes(m))
        .map((m) => `${m} ${p}`)
        .filter((k) => !registered.has(k)),
    );
    expect(phantom).toEqual([]);
  });

  it("is served at /docs, raw at /docs/json and /docs/yaml, with package.json's version", async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const res = await api(ctx).get('/docs/json');
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ title: 'Transfer-learning service', version });
    const yaml = await api(ctx).get('/docs/yaml');
    expect(yaml.status).toBe(200);
    expect(parse(yaml.text).info.version).toBe(version);
    expect((loadOpenApi() as { info: { version: string } }).info.version).toBe(version);
  });
});

describe('generated schemas in openapi.yaml', () => {
  it('match the zod schemas the routes validate with (run `npm run openapi:sync`)', async () => {
    const { generatedSchemas } = await import('../../src/http/openapi-schemas.js');
    const spec = loadOpenApi() as { components: { schemas: Record<string, unknown> } };
    for (const [name, schema] of Object.entries(generatedSchemas())) {
      expect(spec.components.schemas[name], name).toEqual(schema);
    }
  });
});
