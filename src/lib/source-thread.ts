import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** tsx's `./esm/api` export, resolved through its package.json exports (vitest has no import.meta.resolve). */
function tsxEsmApi(): string {
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: string | { default: string } }>;
  };
  const target = pkg.exports['./esm/api']?.import;
  const rel = typeof target === 'string' ? target : target?.default;
  if (!rel) throw new Error('tsx does not export ./esm/api');
  return pathToFileURL(path.join(path.dirname(pkgPath), rel)).href;
}

/**
 * A worker thread running `entry` (a module URL ending in .ts when the caller runs from sources
 * under tsx or vitest, .js after a build). A worker thread does not apply `--import` hooks on
 * Node 20, so from sources the thread starts from a bootstrap that registers tsx's ESM API in the
 * thread itself (as src/serving/worker-endpoint.ts does for the inference threads).
 */
export function startModuleThread(entry: URL): Worker {
  const file = fileURLToPath(entry);
  if (!file.endsWith('.ts')) return new Worker(file);
  return new Worker(
    `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register();` +
      ` return import(${JSON.stringify(pathToFileURL(file).href)}); });`,
    { eval: true },
  );
}
