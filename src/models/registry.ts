import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { assertSafeId, newId } from '../lib/ids.js';
import { checkServable, countParams, saveModelToDir, type LayersModel } from '../ml/index.js';
import type { Collection, Page, Store } from '../storage/store.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { assertModelName, parseModelRef } from './names.js';
import { ModelVersions, type PublishedVersion } from './versions.js';
import { ModelAliases } from './aliases.js';

export const META_JSON = 'meta.json';
/** Beside a trained model: its out-of-fold predictions (OutOfFoldFile), what its evaluation rests on. */
export const OOF_JSON = 'oof.json';

/** What the trainer knows about a model; the registry adds id, name, version, time, sizes. */
export type NewModelMeta = Omit<ModelMeta, 'id' | 'name' | 'version' | 'createdAt' | 'params' | 'sizeBytes'> &
  Partial<Pick<ModelMeta, 'createdAt' | 'params'>>;

export interface SaveTrainedInput {
  model: LayersModel;
  meta: NewModelMeta;
  /** Versions are counted per name: the first save of a name is version 1. */
  name?: string;
  /** A preassigned id (e.g. chosen when the job started); a fresh one by default. */
  id?: string;
  /** Files stored beside the model (file name -> content), e.g. a text model's vocab.json. */
  files?: Record<string, string | Uint8Array>;
}

export interface ListModelsQuery {
  limit: number;
  offset: number;
  name?: string;
}

/**
 * What lookups learned while the `models/` collection stayed unchanged. Every publish and every
 * delete, by any process, changes the collection's stamp (file://: it renames an entry in or out
 * of the folder, which changes its mtime; s3://: it bumps a counter in Redis), which empties this
 * view: one stat (or one Redis GET) per lookup instead of a readdir, a read and two stats (or a
 * HEAD, a LIST and GETs to the bucket).
 */
interface View {
  /** The store's change stamp when the view was made; -1 on stores without one (s3://). */
  mtimeMs: number;
  /** Without a change stamp, the view is trusted until then (MODEL_FRESHNESS_TTL_MS). */
  expiresAt: number;
  /** Ids seen present. */
  present: Set<string>;
  /** `name` or `name@version` -> resolution (undefined: no such version). */
  names: Map<string, PublishedVersion | undefined>;
}

/**
 * A change within this long of now may share its mtime with a change still to come (coarse
 * filesystem timestamps), so such a view is used but not kept.
 */
const RACY_MS = 100;

/**
 * The stored models: `models/<id>/` (model.json + weights.bin + meta.json), with names and
 * versions. A model folder is immutable once published, so meta is cached by id, and existence
 * and name resolution are cached for as long as the `models/` folder is unchanged.
 */
export class ModelRegistry {
  readonly models: Collection;
  readonly versions: ModelVersions;
  readonly aliases: ModelAliases;
  private readonly metas = new LRUCache<string, ModelMeta>({ max: 2_000 });
  private view: View | undefined;
  private pendingStat: Promise<number> | undefined;

  /**
   * `freshnessTtlMs`: how long lookups learned (ids present, names and versions) are trusted at
   * most. On s3:// the change stamp is a counter in Redis that every publish and delete bumps, so
   * a change is seen at once and the TTL only bounds a change whose bump was lost (Redis down);
   * without the counter it is the only bound. 0: without a stamp, ask on every lookup (a HEAD per
   * predict). This registry's own publishes and deletes clear it at once.
   */
  constructor(
    readonly store: Store,
    private readonly opts: { freshnessTtlMs?: number } = {},
  ) {
    this.models = store.collection('models');
    this.versions = new ModelVersions(store, this.models);
    this.aliases = new ModelAliases(store);
  }

  async get(id: string): Promise<ModelMeta> {
    assertSafeId(id);
    return this.getIn(await this.currentView(), id);
  }

  private async getIn(view: View, id: string): Promise<ModelMeta> {
    const cached = this.metas.get(id);
    if (cached && (view.present.has(id) || (await this.models.exists(id)))) {
      view.present.add(id);
      return cached;
    }
    const meta = await this.models.readJson<ModelMeta>(id, META_JSON);
    this.metas.set(id, meta);
    view.present.add(id);
    return meta;
  }

  private async currentView(): Promise<View> {
    const mtimeMs = await this.modelsMtime();
    const now = Date.now();
    if (mtimeMs < 0) {
      // No change stamp (s3://): a view lives for the freshness TTL.
      const ttl = this.opts.freshnessTtlMs ?? 0;
      if (this.view && this.view.mtimeMs < 0 && now < this.view.expiresAt) return this.view;
      const view: View = { mtimeMs, expiresAt: now + ttl, present: new Set(), names: new Map() };
      this.view = ttl > 0 ? view : undefined;
      return view;
    }
    // A stamp (the folder's mtime on file://, the shared change counter on s3://) vouches for
    // the view; the TTL, when set, bounds how long a change whose stamp was lost stays unseen.
    if (this.view?.mtimeMs === mtimeMs && now < this.view.expiresAt) return this.view;
    const ttl = this.opts.freshnessTtlMs ?? 0;
    const expiresAt = ttl > 0 ? now + ttl : Infinity;
    const view: View = { mtimeMs, expiresAt, present: new Set(), names: new Map() };
    // (A counter is never within RACY_MS of now: only an mtime can be racy.)
    if (now - mtimeMs > RACY_MS) this.view = view;
    return view;
  }

  /**
   * Lookups that arrive in the same event-loop turn share one stat, issued after all of them
   * arrived (so none is answered from a stat older than itself).
   */
  private modelsMtime(): Promise<number> {
    this.pendingStat ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pendingStat = undefined;
      return this.models.changeStamp(); // -1: nothing to cache
    });
    return this.pendingStat;
  }

  /** `:id` of a route: an id, or a name (newest version, or `version`). */
  async resolve(idOrName: string, version?: number): Promise<ModelMeta> {
    const ref = parseModelRef(idOrName);
    if (ref.kind === 'id') {
      if (version !== undefined) {
        throw new ValidationError("'version' applies to model names, not ids", {
          errors: [{ path: 'query.version', message: 'only valid with a model name' }],
        });
      }
      return this.get(ref.id);
    }
    if (version !== undefined && (ref.kind === 'alias' || ref.version !== undefined)) {
      throw new ValidationError("'version' and a version or alias after '@' can't both be given", {
        errors: [{ path: 'query.version', message: 'give one of them' }],
      });
    }
    if (ref.kind === 'alias') {
      const pointed = await this.aliases.current(ref.name, ref.alias);
      if (pointed === undefined) {
        throw new NotFoundError(
          `model '${ref.name}' has no alias '${ref.alias}'; set it with PUT /v1/models/${ref.name}/aliases/${ref.alias}`,
        );
      }
      version = pointed;
    } else if (ref.version !== undefined) {
      version = ref.version;
    }
    const view = await this.currentView();
    const key = version === undefined ? ref.name : `${ref.name}@${version}`;
    let found: PublishedVersion | undefined;
    if (view.names.has(key)) {
      found = view.names.get(key);
    } else {
      found = await this.versions.resolve(ref.name, version);
      view.names.set(key, found);
      if (found) view.present.add(found.id);
    }
    if (!found) {
      if (ref.kind === 'alias') {
        throw new NotFoundError(
          `alias '${ref.alias}' of model '${ref.name}' points at version ${version}, which was deleted; move it with PUT /v1/models/${ref.name}/aliases/${ref.alias}`,
        );
      }
      throw new NotFoundError(
        version === undefined
          ? `model '${ref.name}' not found`
          : `model '${ref.name}' has no version ${version}`,
      );
    }
    return this.getIn(view, found.id);
  }

  async list(q: ListModelsQuery): Promise<Page<ModelMeta>> {
    const filter = q.name === undefined ? undefined : (m: ModelMeta) => m.name === q.name;
    return this.models.page<ModelMeta>(META_JSON, q.limit, q.offset, filter);
  }

  async remove(id: string): Promise<void> {
    this.metas.delete(id);
    this.view = undefined;
    await this.models.remove(id);
    this.view = undefined;
  }

  /**
   * Publishes a trained model atomically: weights and meta are written into a staging folder,
   * the version is claimed last (so concurrent saves of one name number themselves in finishing
   * order), and one rename makes the model visible. On any failure nothing is published.
   */
  async save(input: SaveTrainedInput): Promise<ModelMeta> {
    const { model } = input;
    const id = assertSafeId(input.id ?? newId('model'));
    const name = input.name === undefined ? undefined : assertModelName(input.name);
    checkServable(model, input.meta);
    let claimed: number | undefined;
    return this.models
      .create(id, async (dir) => {
        let { bytes } = await saveModelToDir(model, dir);
        for (const [file, content] of Object.entries(input.files ?? {})) {
          if (!/^[A-Za-z0-9_.-]+$/.test(file) || file === META_JSON)
            throw new Error(`bad model file name '${file}'`);
          await writeFile(path.join(dir, file), content);
          bytes += Buffer.byteLength(content);
        }
        const version = name === undefined ? undefined : await this.versions.claim(name, id);
        claimed = version;
        const meta: ModelMeta = {
          ...input.meta,
          id,
          ...(name === undefined ? {} : { name, version }),
          createdAt: input.meta.createdAt ?? new Date().toISOString(),
          params: input.meta.params ?? countParams(model),
          sizeBytes: bytes,
        };
        await writeFile(path.join(dir, META_JSON), JSON.stringify(meta, null, 2));
        return meta;
      })
      .then((meta) => {
        this.view = undefined; // a new model or version: lookups start afresh
        return meta;
      })
      .catch(async (err: unknown) => {
        // A twin publish of the same id won; a version this attempt claimed would be a gap
        // pointing at the twin's model (unless it is the very claim the twin holds).
        if (err instanceof ConflictError && name !== undefined && claimed !== undefined) {
          const winner = await this.models.readJson<ModelMeta>(id, META_JSON).catch(() => undefined);
          if (winner?.version !== claimed) await this.versions.release(name, claimed, id);
        }
        throw err;
      });
  }
}

/** Convenience for processes that hold only a Store (the trainer's sandboxed child). */
export function saveTrainedModel(store: Store, input: SaveTrainedInput): Promise<ModelMeta> {
  return new ModelRegistry(store).save(input);
}
