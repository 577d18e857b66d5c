import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/http/plugins/dashboard.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/** The bare specifiers the page's import map resolves. */
function importMapOf(html: string): Record<string, string> {
  const json = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  return (JSON.parse(json ?? '{}') as { imports: Record<string, string> }).imports;
}

describe('dashboard files', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx.close());

  it('serves the page at / with a same-origin-only Content-Security-Policy', async () => {
    const res = await api(ctx).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(res.text).toContain('<script type="module" src="/ui/app.js">');

    const again = await api(ctx).get('/', { headers: { 'if-none-match': res.headers['etag'] as string } });
    expect(again.status).toBe(304);
  });

  it('serves every file the page and its modules import, from this origin only', async () => {
    const page = (await api(ctx).get('/')).text;
    const imports = importMapOf(page);
    const urls = new Set<string>(Object.values(imports));
    for (const m of page.matchAll(/(?:href|src)="(\/ui\/[^"]+)"/g)) urls.add(m[1]!);

    for (const file of await filesUnder(DASHBOARD_DIR)) {
      const text = await readFile(file, 'utf8');
      // No CDN or other origin anywhere in the dashboard's own files.
      expect(text, file).not.toMatch(/(?:src|href)=["']?https?:\/\//);
      expect(text, file).not.toMatch(/from\s+['"]https?:/);
      if (!file.endsWith('.js')) continue;
      const rel = `/ui/${path.relative(DASHBOARD_DIR, file).split(path.sep).join('/')}`;
      urls.add(rel);
      for (const m of text.matchAll(/(?:^|\n)\s*import\s[^'"]*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        const target = spec.startsWith('.') ? new URL(spec, `http://x${rel}`).pathname : imports[spec];
        expect(target, `${file} imports ${spec}`).toBeDefined();
        urls.add(target!);
      }
    }

    for (const url of urls) {
      const res = await api(ctx).get(url);
      expect(res.status, url).toBe(200);
      const type = res.headers['content-type'] as string;
      if (url.endsWith('.css')) expect(type, url).toMatch(/^text\/css/);
      else expect(type, url).toMatch(/javascript/);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
    // preact, its hooks, htm, uPlot's module and stylesheet
    expect([...urls].filter((u) => u.startsWith('/ui/vendor/')).length).toBe(5);
  });

  it('serves nothing else: no other vendor files, no index.html under /ui, no way out of the folder', async () => {
    for (const url of [
      '/ui/vendor/preact.js',
      '/ui/vendor/..%2F..%2Fpackage.json',
      '/ui/../package.json',
      '/ui/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/ui/index.html',
      '/node_modules/preact/package.json',
    ]) {
      const res = await api(ctx).get(url);
      expect([403, 404], url).toContain(res.status);
    }
  });
});

describe('dashboard with API keys', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: 'k-one' });
  });
  afterAll(() => ctx.close());

  it('serves the page and its files without a key (the page asks for one); /v1 still needs it', async () => {
    expect((await api(ctx).get('/')).status).toBe(200);
    expect((await api(ctx).get('/ui/app.js')).status).toBe(200);
    expect((await api(ctx).get('/ui/vendor/preact.mjs')).status).toBe(200);
    expect((await api(ctx).get('/v1/datasets')).status).toBe(401);
    expect((await api(ctx, { key: 'k-one' }).get('/v1/datasets')).status).toBe(200);
  });
});
