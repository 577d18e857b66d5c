import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isSafeId } from '../lib/ids.js';
import { isNotFound, type Collection } from '../storage/store.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { assertModelName } from './names.js';

/**
 * Version numbers per model name, race-free across every process that shares DATA_DIR.
 *
 * Each version is claimed by creating the file `DATA_DIR/.model-versions/<name>/<n>` with
 * O_CREAT|O_EXCL (`open(..., 'wx')`): the filesystem lets exactly one creator win, so two jobs
 * finishing at once (in one process or in workers on different machines over a shared volume)
 * get n and n+1, and the loser just tries the next number. There is no lock to hold, so a
 * process that crashes mid-save leaves no stale lock: at worst an unused number (a gap, which
 * TF Serving-style versioning allows). Redis INCR would also be atomic, but the models live in
 * DATA_DIR, the trainer's sandboxed child has no Redis connection of its own, and a counter in
 * Redis could drift from the files (a flushed Redis would hand out numbers again). Claimed
 * numbers are never reused, even after their model is deleted, so a client pinned to a
 * version never silently gets a different model.
 *
 * Each claim file holds the model id; a version is published once `models/<id>` exists (the
 * model folder is renamed into place after the claim), which is what resolution checks.
 */
export const VERSIONS_DIR = '.model-versions';

export interface PublishedVersion {
  version: number;
  id: string;
}

export class ModelVersions {
  private readonly root: string;

  constructor(
    dataDir: string,
    private readonly models: Collection,
  ) {
    this.root = path.join(path.resolve(dataDir), VERSIONS_DIR);
  }

  private dirOf(name: string): string {
    return path.join(this.root, assertModelName(name));
  }

  /**
   * Claims the next version of `name` for `modelId`; distinct and increasing under any
   * concurrency. A model id that already holds a version (a retried publish) keeps it.
   */
  async claim(name: string, modelId: string): Promise<number> {
    const dir = this.dirOf(name);
    await mkdir(dir, { recursive: true });
    for (const v of await this.claims(name)) {
      if ((await this.claimedBy(name, v)) === modelId) return v;
    }
    let candidate = (await this.highestClaimed(name)) + 1;
    for (;;) {
      let fh;
      try {
        fh = await open(path.join(dir, String(candidate)), 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          candidate++;
          continue;
        }
        throw err;
      }
      try {
        await fh.writeFile(modelId);
      } finally {
        await fh.close();
      }
      return candidate;
    }
  }

  /** Gives up a claim that was never published (its publish lost to a twin with the same id). */
  async release(name: string, version: number, modelId: string): Promise<void> {
    if ((await this.claimedBy(name, version)) !== modelId) return;
    await rm(path.join(this.dirOf(name), String(version)), { force: true });
  }

  /** Published versions of `name`, newest first. */
  async published(name: string): Promise<PublishedVersion[]> {
    const claims = await this.claims(name);
    const out: PublishedVersion[] = [];
    for (const version of claims) {
      const id = await this.claimedBy(name, version);
      if (id && (await this.models.exists(id))) out.push({ version, id });
    }
    return out;
  }

  /** The model id of `name` at `version`, or of its newest published version. */
  async resolve(name: string, version?: number): Promise<PublishedVersion | undefined> {
    if (version !== undefined) {
      const id = await this.claimedBy(name, version);
      return id && (await this.models.exists(id)) ? { version, id } : undefined;
    }
    for (const v of await this.claims(name)) {
      const id = await this.claimedBy(name, v);
      if (id && (await this.models.exists(id))) return { version: v, id };
    }
    return undefined;
  }

  /** Claimed version numbers, highest first. */
  private async claims(name: string): Promise<number[]> {
    let files: string[];
    try {
      files = await readdir(this.dirOf(name));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return files
      .filter((f) => /^[1-9][0-9]{0,9}$/.test(f))
      .map(Number)
      .sort((a, b) => b - a);
  }

  private async claimedBy(name: string, version: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    try {
      const id = (await readFile(path.join(this.dirOf(name), String(version)), 'utf8')).trim();
      // Empty while the claimer is still writing it; such a version is not published yet anyway.
      return isSafeId(id) ? id : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The highest number ever claimed. Without any claim file (a new name, or a DATA_DIR whose
   * bookkeeping folder was lost) the models' own meta is consulted, so numbers are not reissued.
   */
  private async highestClaimed(name: string): Promise<number> {
    const claims = await this.claims(name);
    if (claims.length > 0) return claims[0] as number;
    const metas = await this.models.list<ModelMeta>('meta.json', (m) => m.name === name);
    return metas.reduce((max, m) => Math.max(max, m.version ?? 0), 0);
  }
}
