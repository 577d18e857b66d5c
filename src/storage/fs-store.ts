import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConflictError, NotFoundError, isAppError } from '../lib/errors.js';
import { assertSafeId } from '../lib/ids.js';
import { noSpaceError, isNoSpace } from './free-space.js';
import { markerPath } from './marker-key.js';
import {
  COLLECTIONS,
  isNotFound,
  type Collection,
  type CollectionName,
  type Page,
  type Store,
} from './store.js';

/**
 * The Store on a local (or shared) filesystem. DATA_DIR is a plain folder shared by the API
 * and the workers:
 *
 *   datasets/<id>/      manifest.json + examples
 *   base-models/<id>/   model.json + shards + meta.json
 *   models/<id>/        model.json + shards + meta.json
 *   .tmp/               staging area; everything is built here and renamed into place
 *
 * A rename within one filesystem is atomic, so readers either see a complete entry or none:
 * a crash mid-write leaves only debris under .tmp/, which `init()` sweeps.
 */

const TMP = '.tmp';

/**
 * Staging folders are named `<label>@<host>@<pid>@<process start ms>@<random>`, so a start-up
 * sweep can tell the debris of a dead process from a write in progress.
 */
const SEP = '@';
const PROCESS_START = Math.round(performance.timeOrigin);
const OWNER = [os.hostname(), process.pid, PROCESS_START].join(SEP);

interface StagingOwner {
  host: string;
  pid: number;
  start: number;
}

function stagingOwner(name: string): StagingOwner | undefined {
  const parts = name.split(SEP);
  if (parts.length !== 5) return undefined;
  const [, host = '', pid, start] = parts;
  const owner = { host, pid: Number(pid), start: Number(start) };
  return Number.isInteger(owner.pid) && owner.pid > 0 && Number.isFinite(owner.start) ? owner : undefined;
}

function ownerAlive(owner: StagingOwner): boolean {
  if (owner.pid === process.pid) return owner.start === PROCESS_START;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FsStore implements Store {
  readonly root: string;
  readonly url: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir);
    this.url = pathToFileURL(this.root).href;
  }

  /**
   * Creates the layout and removes staging debris left by crashed processes. Debris whose owner
   * (named in the folder: host, pid, process start) is known dead goes at once: a process of
   * this host that no longer runs, or an earlier life of this very pid (a restarted container
   * is pid 1 again). Debris of other hosts sharing DATA_DIR, whose liveness can't be seen from
   * here, goes only when older than `staleMs`.
   */
  async init(staleMs = 6 * 60 * 60 * 1000): Promise<void> {
    for (const c of COLLECTIONS) await mkdir(path.join(this.root, c), { recursive: true });
    const tmp = path.join(this.root, TMP);
    await mkdir(tmp, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(tmp)) {
      const full = path.join(tmp, name);
      const owner = stagingOwner(name);
      const s = await stat(full).catch(() => undefined);
      if (!s) continue;
      const dead = owner !== undefined && owner.host === os.hostname() && !ownerAlive(owner);
      if (dead || now - s.mtimeMs >= staleMs) await rm(full, { recursive: true, force: true });
    }
  }

  collection(name: CollectionName): Collection {
    return new FsCollection(this, name);
  }

  /** A fresh staging folder inside DATA_DIR (same filesystem, so rename is atomic). */
  async stagingDir(label: string): Promise<string> {
    const dir = path.join(this.root, TMP, `${label}${SEP}${OWNER}${SEP}${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * True when DATA_DIR accepts a write (readiness). The probe file is removed whether or not its
   * write succeeded: on a full volume the file is created empty before the write fails.
   */
  async usage(): Promise<number> {
    let total = 0;
    for (const c of COLLECTIONS) total += await treeBytes(path.join(this.root, c));
    return total;
  }

  async isWritable(): Promise<boolean> {
    const probe = path.join(this.root, TMP, `probe-${randomBytes(4).toString('hex')}`);
    try {
      await access(this.root, fsConstants.W_OK);
      await writeFile(probe, 'ok');
      return true;
    } catch {
      return false;
    } finally {
      await rm(probe, { force: true }).catch(() => undefined);
    }
  }

  /** O_CREAT|O_EXCL: exactly one creator wins, in one process or many over a shared volume. */
  async putMarker(key: string, value: string): Promise<boolean> {
    const file = path.join(this.root, markerPath(key));
    await mkdir(path.dirname(file), { recursive: true });
    let fh;
    try {
      fh = await open(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await fh.writeFile(value);
    } finally {
      await fh.close();
    }
    return true;
  }

  async readMarker(key: string): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.root, markerPath(key)), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listMarkers(prefix: string): Promise<string[]> {
    try {
      return await readdir(path.join(this.root, markerPath(prefix)));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async deleteMarker(key: string): Promise<void> {
    await rm(path.join(this.root, markerPath(key)), { force: true });
  }
}

export class FsCollection implements Collection {
  readonly dir: string;

  constructor(
    private readonly store: FsStore,
    readonly name: CollectionName,
  ) {
    this.dir = path.join(store.root, name);
  }

  /** Absolute folder of an entry; the id is validated so it can never leave the collection. */
  pathOf(id: string, ...parts: string[]): string {
    assertSafeId(id);
    const base = path.join(this.dir, id);
    const full = path.resolve(base, ...parts);
    if (full !== base && !full.startsWith(base + path.sep)) {
      throw new NotFoundError(`'${parts.join('/')}' is outside entry '${id}'`);
    }
    return full;
  }

  async local(id: string, ...parts: string[]): Promise<string> {
    const full = this.pathOf(id, ...parts);
    if (!(await this.exists(id))) throw new NotFoundError(`${singular(this.name)} '${id}' not found`);
    return full;
  }

  /** Every publish and delete renames an entry in or out of the folder, which changes its mtime. */
  async changeStamp(): Promise<number> {
    return stat(this.dir).then(
      (s) => s.mtimeMs,
      () => -1,
    );
  }

  async exists(id: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(id))).isDirectory();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Builds an entry in a staging folder and publishes it with one rename. If `write` throws
   * (bad input, a cancelled job, a full disk), the staging folder is removed and nothing
   * appears in the collection.
   */
  async create<T>(id: string, write: (stagingDir: string) => Promise<T>): Promise<T> {
    const target = this.pathOf(id);
    const staging = await this.store.stagingDir(`${this.name}-${id}`);
    try {
      const result = await write(staging);
      const taken = (): ConflictError => new ConflictError(`${this.name} entry '${id}' already exists`);
      if (await this.exists(id)) throw taken();
      // A concurrent create of the same id may rename first: the loser's rename meets a
      // non-empty folder and fails, so exactly one publishes.
      await rename(staging, target).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOTEMPTY' || err.code === 'EEXIST' ? taken() : err;
      });
      return result;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw await orNoSpace(err, `the ${singular(this.name)} '${id}'`, this.store.root);
    }
  }

  async readJson<T>(id: string, file: string): Promise<T> {
    try {
      return JSON.parse(await readFile(this.pathOf(id, file), 'utf8')) as T;
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`${singular(this.name)} '${id}' not found`);
      throw err;
    }
  }

  /** Replaces one JSON file of an existing entry atomically (write beside, fsync, rename). */
  async writeJson(id: string, file: string, value: unknown): Promise<void> {
    if (!(await this.exists(id))) throw new NotFoundError(`${singular(this.name)} '${id}' not found`);
    const target = this.pathOf(id, file);
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(value, null, 2));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw await orNoSpace(err, `${file} of ${singular(this.name)} '${id}'`, this.store.root);
    }
  }

  /** Ids of complete entries, newest first (ids that fail validation are ignored). */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const withTimes = await Promise.all(
      names.map(async (n) => {
        try {
          assertSafeId(n);
          const s = await stat(path.join(this.dir, n));
          return s.isDirectory() ? { n, t: s.birthtimeMs || s.mtimeMs } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return withTimes
      .filter((x): x is { n: string; t: number } => x !== undefined)
      .sort((a, b) => b.t - a.t || (a.n < b.n ? -1 : 1))
      .map((x) => x.n);
  }

  /** Reads `file` of every entry; entries whose file is missing or unreadable are skipped. */
  async list<T>(file: string, filter?: (item: T) => boolean): Promise<T[]> {
    const ids = await this.ids();
    const items = await Promise.all(
      ids.map(async (id) => {
        try {
          return await this.readJson<T>(id, file);
        } catch {
          return undefined;
        }
      }),
    );
    return items.filter((x): x is Awaited<T> => x !== undefined && (filter ? filter(x) : true)) as T[];
  }

  async page<T>(
    file: string,
    limit: number,
    offset: number,
    filter?: (item: T) => boolean,
  ): Promise<Page<T>> {
    const all = await this.list<T>(file, filter);
    return { items: all.slice(offset, offset + limit), total: all.length, limit, offset };
  }

  /** Removes an entry: renamed out of the collection first, so it vanishes atomically. */
  async remove(id: string): Promise<void> {
    const src = this.pathOf(id);
    const trash = await this.store.stagingDir(`trash-${id}`);
    try {
      await rename(src, path.join(trash, id));
    } catch (err) {
      await rm(trash, { recursive: true, force: true });
      if (isNotFound(err)) throw new NotFoundError(`${singular(this.name)} '${id}' not found`);
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }
}

/** `err`, or the 507 error naming `what` when it means the volume is full. */
export async function orNoSpace(err: unknown, what: string, dir: string): Promise<unknown> {
  return isNoSpace(err) && !isAppError(err) ? noSpaceError(what, dir, { cause: err }) : err;
}

export function singular(name: CollectionName): string {
  const names: Record<CollectionName, string> = {
    datasets: 'dataset',
    models: 'model',
    'base-models': 'base model',
    'batch-inputs': 'batch upload',
    'batch-results': 'batch result',
    captures: 'captured input',
  };
  return names[name];
}

/** Bytes of the files under `dir` (0 when it does not exist); links are not followed. */
async function treeBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
  let total = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
