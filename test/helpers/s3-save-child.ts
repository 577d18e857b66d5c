/**
 * Child process for the kill -9 test: publishes one entry of many 1 MiB files into the store its
 * environment names, so that the parent can kill it while objects are still being uploaded.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { openStore } from '../../src/queue/open-store.js';

const [id] = process.argv.slice(2) as [string];
const { store } = openStore(loadConfig(process.env));
await store.init();
await store.collection('models').create(id, async (dir) => {
  await writeFile(path.join(dir, 'meta.json'), JSON.stringify({ id }));
  for (let i = 0; i < 60; i++) await writeFile(path.join(dir, `shard-${i}`), Buffer.alloc(1 << 20, i));
});
process.stdout.write('published\n');
process.exit(0);
