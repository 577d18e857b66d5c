import { isSafeId } from '../lib/ids.js';
import type { Collection, Store } from '../storage/store.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { assertModelName } from './names.js';

/**
 * Version numbers per model name, race-free across every process that shares the store.
 *
 * Each version is claimed by creating the store marker `model-versions/<name>/<n>` only if
 * absent: on file:// a file under `.model-versions/` created with O_CREAT|O_EXCL; on s3:// an
 * object written with `If-None-Match: *`, behind a Redis SET NX claim for servers that ignore
 * that header. Exactly one creator wins each number, so two jobs finishing at once (on one
 * machine or many) get n and n+1, and the loser just tries the next number. There is no lock
 * to hold, so a process that crashes mid-save leaves no stale lock: at worst an unused number
 * (a gap, which TF Serving-style versioning allows). The marker, not a Redis counter, is the
 * record: a flushed Redis never hands numbers out again. Claimed numbers are never reused,
 * even after their model is deleted, so a client pinned to a version never silently gets a
 * different model.
 *
 * Each marker holds the model id; a version is published once the model entry exists (it is
 * committed after the claim), which is what resolution checks.
 */
export const VERSIONS_DIR = '.model-versions';

export interface PublishedVersion {
  version: number;
  id: string;
}

export class ModelVersions {
  constructor(
    private readonly store: Store,
    private readonly models: Collection,
  ) {}

  private keyOf(name: string, version?: number): string {
    const dir = `model-versions/${assertModelName(name)}`;
    return version === undefined ? dir : `${dir}/${version}`;
  }

  /**
   * Claims the next version of `name` for `modelId`; distinct and increasing under any
   * concurrency. A model id that already holds a version (a retried publish) keeps it.
   */
  async claim(name: string, modelId: string): Promise<number> {
    for (const v of await this.claims(name)) {
      if ((await this.claimedBy(name, v)) === modelId) return v;
    }
    let candidate = (await this.highestClaimed(name)) + 1;
    while (!(await this.store.putMarker(this.keyOf(name, candidate), modelId))) candidate++;
    return candidate;
  }

  /** Gives up a claim that was never published (its publish lost to a twin with the same id). */
  async release(name: string, version: number, modelId: string): Promise<void> {
    if ((await this.claimedBy(name, version)) !== modelId) return;
    await this.store.deleteMarker(this.keyOf(name, version));
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
    const files = await this.store.listMarkers(this.keyOf(name));
    return files
      .filter((f) => /^[1-9][0-9]{0,9}$/.test(f))
      .map(Number)
      .sort((a, b) => b - a);
  }

  private async claimedBy(name: string, version: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const id = (await this.store.readMarker(this.keyOf(name, version)))?.trim() ?? '';
    // Empty while the claimer is still writing it; such a version is not published yet anyway.
    return isSafeId(id) ? id : undefined;
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
