import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The web dashboard at `/`: static files from src/http/dashboard (no build step) plus the exact
 * vendor ES modules it imports, read from node_modules. Nothing is fetched from elsewhere: the
 * Content-Security-Policy allows this origin only, so a stray CDN link would fail loudly.
 */

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));

const require = createRequire(import.meta.url);

/** A package's folder, found from its entry point (not every package exports package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!isPackageRoot(dir, name)) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

function isPackageRoot(dir: string, name: string): boolean {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return false;
  return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name;
}

/** URL under /ui/vendor/ -> [package, file inside it, content type]. Pinned in package.json. */
const VENDOR: Record<string, [string, string, string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs', 'text/javascript'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs', 'text/javascript'],
  'htm.mjs': ['htm', 'dist/htm.mjs', 'text/javascript'],
  'uPlot.esm.js': ['uplot', 'dist/uPlot.esm.js', 'text/javascript'],
  'uPlot.min.css': ['uplot', 'dist/uPlot.min.css', 'text/css'],
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function loadVendor(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [url, [pkg, file, type]] of Object.entries(VENDOR)) {
    // The source-map comment would send devtools after a file we do not serve.
    const text = readFileSync(path.join(packageDir(pkg), file), 'utf8').replace(
      /\n?\/\/# sourceMappingURL=\S+\s*$/,
      '\n',
    );
    out.set(url, asset(Buffer.from(text), `${type}; charset=utf-8`));
  }
  return out;
}

/** The page, with the CSP that allows its one inline script (the import map) by hash. */
function loadIndex(): { page: Asset; csp: string } {
  const html = readFileSync(path.join(DASHBOARD_DIR, 'index.html'), 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    // uPlot and the bars set element styles; blob: and data: carry thumbnails fetched with the key.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
  return { page: asset(Buffer.from(html), 'text/html; charset=utf-8'), csp };
}

export default async function dashboardPlugin(app: FastifyInstance) {
  const vendor = loadVendor();
  const { page, csp } = loadIndex();

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', page.etag);
    if (request.headers['if-none-match'] === page.etag) return reply.status(304).send();
    return reply.type(page.type).send(page.body);
  });

  app.get<{ Params: { file: string } }>(
    '/ui/vendor/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const found = vendor.get(request.params.file);
      if (!found) return reply.callNotFound();
      reply
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=3600')
        .header('etag', found.etag);
      if (request.headers['if-none-match'] === found.etag) return reply.status(304).send();
      return reply.type(found.type).send(found.body);
    },
  );

  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: '/ui/',
    index: false,
    wildcard: true,
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
    // index.html is served at / only, with its CSP.
    allowedPath: (pathName) => !pathName.endsWith('.html'),
    setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
  });
}
