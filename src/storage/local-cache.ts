import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CollectionName } from './store.js';

/**
 * A bounded copy, on this machine's disk, of entries whose home is a remote store: what this
 * process (and any other sharing its DATA_DIR, such as its trainer processes) downloaded to
 * train on or to serve. Entries are immutable once published, so a copy never goes stale; it
 * is dropped when the entry is removed through this process or evicted.
 *
 *   <root>/<collection>/<id>/        the copy (renamed into place complete, so never partial)
 *   <root>/<collection>/<id>.bytes   its size, for the budget
 *
 * Eviction is least recently used by bytes: each use touches the folder's mtime. A copy used
 * within `protectMs` is never evicted (a training job or a model load may be reading it, in
 * this process or another), so the cache can run over its budget for that long rather than
 * pull files from under a reader.
 */
export class LocalCache {
  constructor(
    readonly root: string,
    private readonly maxBytes: number,
    private readonly trash: (label: string) => Promise<string>,
    private readonly protectMs = 5 * 60_000,
  ) {}

  dirOf(collection: CollectionName, id: string): string {
    return path.join(this.root, collection, id);
  }

  /** The cached copy's folder, touched as used; undefined when not cached. */
  async get(collection: CollectionName, id: string): Promise<string | undefined> {
    const dir = this.dirOf(collection, id);
    try {
      const now = new Date();
      await utimes(dir, now, now);
      return dir;
    } catch {
      return undefined;
    }
  }

  /** Moves a complete folder into the cache (a concurrent copy of the same entry may win). */
  async put(collection: CollectionName, id: string, staged: string, bytes: number): Promise<string> {
    const dir = this.dirOf(collection, id);
    await mkdir(path.dirname(dir), { recursive: true });
    await writeFile(`${dir}.bytes`, String(bytes));
    await rename(staged, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(staged, { recursive: true, force: true });
    });
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
    await this.evict(dir).catch(() => undefined);
    return dir;
  }

  async drop(collection: CollectionName, id: string): Promise<void> {
    const dir = this.dirOf(collection, id);
    const trash = await this.trash(`cache-drop-${id}`);
    await rename(dir, path.join(trash, id)).catch(() => undefined);
    await rm(`${dir}.bytes`, { force: true });
    await rm(trash, { recursive: true, force: true });
  }

  /** Bytes held now (the sum of the entries' recorded sizes). */
  async size(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.bytes, 0);
  }

  private async entries(): Promise<
    Array<{ collection: CollectionName; id: string; dir: string; bytes: number; used: number }>
  > {
    const out = [];
    for (const collection of await readdir(this.root).catch(() => [] as string[])) {
      const cdir = path.join(this.root, collection);
      for (const name of await readdir(cdir).catch(() => [] as string[])) {
        if (name.endsWith('.bytes')) continue;
        const dir = path.join(cdir, name);
        const s = await stat(dir).catch(() => undefined);
        if (!s?.isDirectory()) continue;
        const bytes = Number(await readFile(`${dir}.bytes`, 'utf8').catch(() => '0')) || 0;
        out.push({ collection: collection as CollectionName, id: name, dir, bytes, used: s.mtimeMs });
      }
    }
    return out;
  }

  /** Removes least recently used copies until the cache fits its budget. */
  async evict(keep?: string): Promise<void> {
    const all = (await this.entries()).sort((a, b) => a.used - b.used);
    let total = all.reduce((n, e) => n + e.bytes, 0);
    const now = Date.now();
    for (const e of all) {
      if (total <= this.maxBytes) break;
      if (e.dir === keep || now - e.used < this.protectMs) continue;
      await this.drop(e.collection, e.id);
      total -= e.bytes;
    }
  }
}
