import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId, isSafeId } from '../../src/lib/ids.js';
import type { Store } from '../../src/storage/store.js';
import { FsStore } from '../../src/storage/fs-store.js';

describe('storage', () => {
  let root: string;
  let store: Store;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'store-'));
    store = new FsStore(root);
    await store.init();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('publishes an entry only when its writer completes', async () => {
    const datasets = store.collection('datasets');
    const id = newId('dataset');
    let seenDuringWrite: string[] = [];
    await datasets.create(id, async (dir) => {
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ id, n: 1 }));
      seenDuringWrite = await datasets.ids();
    });
    expect(seenDuringWrite).toEqual([]);
    expect(await datasets.ids()).toEqual([id]);
    expect(await datasets.readJson(id, 'manifest.json')).toEqual({ id, n: 1 });
  });

  it('leaves nothing listed or staged when a write is interrupted mid-way', async () => {
    const models = store.collection('models');
    const id = newId('model');
    await expect(
      models.create(id, async (dir) => {
        await writeFile(path.join(dir, 'model.json'), '{"half":');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await models.ids()).toEqual([]);
    expect(await models.exists(id)).toBe(false);
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    expect(await models.list('meta.json')).toEqual([]);
  });

  it('sweeps stale staging debris from crashed processes, but not fresh staging', async () => {
    const stale = path.join(root, '.tmp', 'models-crashed');
    const fresh = path.join(root, '.tmp', 'models-in-progress');
    await mkdir(stale, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const old = new Date(Date.now() - 24 * 3600 * 1000);
    await utimes(stale, old, old);
    await new FsStore(root).init();
    await expect(stat(stale)).rejects.toThrow();
    expect((await stat(fresh)).isDirectory()).toBe(true);
  });

  it('sweeps at once the staging of a dead process of this host, keeps the living and other hosts', async () => {
    const host = os.hostname();
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await once(child, 'exit');
    const name = (owner: string) => path.join(root, '.tmp', `models-ds_x@${owner}@abcdef`);
    const dead = name(`${host}@${deadPid}@${Date.now()}`);
    const earlierLifeOfThisPid = name(`${host}@${process.pid}@1`);
    const living = path.join(await store.stagingDir('models-live'));
    const otherHost = name(`elsewhere.example@${deadPid}@${Date.now()}`);
    for (const dir of [dead, earlierLifeOfThisPid, otherHost]) await mkdir(dir, { recursive: true });
    await new FsStore(root).init();
    await expect(stat(dead)).rejects.toThrow();
    await expect(stat(earlierLifeOfThisPid)).rejects.toThrow();
    expect((await stat(living)).isDirectory()).toBe(true);
    expect((await stat(otherHost)).isDirectory()).toBe(true);
    expect(path.basename(living)).toContain(`@${host}@${process.pid}@`);
  });

  it('never lets an id or a file path escape its collection', async () => {
    const c = store.collection('datasets');
    for (const bad of [
      '..',
      '../models',
      'ds_../../etc',
      '/etc/passwd',
      'ds_0123456789abcdef/..',
      '',
      'DS_0123456789ABCDEF',
    ]) {
      await expect(c.local(bad)).rejects.toThrow(/not a valid id/);
    }
    const id = newId('dataset');
    await c.create(id, (dir) => writeFile(path.join(dir, 'manifest.json'), '{}'));
    await expect(c.local(id, '..', '..', 'secret')).rejects.toThrow(/outside/);
    expect(await c.local(id, 'examples', 'a.png')).toBe(path.join(root, 'datasets', id, 'examples', 'a.png'));
  });

  it('generates safe, unique ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('job')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isSafeId(id)).toBe(true);
  });

  it('removes entries atomically and reports missing ones', async () => {
    const c = store.collection('base-models');
    const id = newId('baseModel');
    await c.create(id, (dir) => writeFile(path.join(dir, 'meta.json'), '{}'));
    await c.remove(id);
    expect(await c.exists(id)).toBe(false);
    await expect(c.remove(id)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('replaces a JSON file atomically and pages listings newest first', async () => {
    const c = store.collection('models');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newId('model');
      ids.push(id);
      await c.create(id, (dir) => writeFile(path.join(dir, 'meta.json'), JSON.stringify({ id, i })));
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.writeJson(ids[0]!, 'meta.json', { id: ids[0], i: 99 });
    expect(await c.readJson(ids[0]!, 'meta.json')).toEqual({ id: ids[0], i: 99 });
    const page = await c.page<{ id: string }>('meta.json', 2, 0);
    expect(page.total).toBe(3);
    expect(page.items.map((x) => x.id)).toEqual([ids[2], ids[1]]);
  });
});
