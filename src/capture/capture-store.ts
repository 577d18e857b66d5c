import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Prediction } from '../serving/format.js';
import { isNotFound, type Collection, type Store } from '../storage/store.js';

/**
 * Captured predict inputs, in the `captures` collection of the store (local or S3): each item is
 * its own entry (`cap_…`: meta.json and the input as sent), published atomically like every
 * entry, so a crash mid-write leaves nothing half-written. A model's capture settings are the
 * entry named by the model's id (config.json). Items are read back by listing metas: fine for the
 * few thousand a review queue holds (`maxItems`), not meant as a data lake.
 */

export interface CaptureConfig {
  /** Share of predicted instances kept (0: off). */
  rate: number;
  /** Most unreviewed items kept; the oldest go first. */
  maxItems: number;
}

export const CAPTURE_OFF: CaptureConfig = { rate: 0, maxItems: 1000 };

export type ReviewDecision = { label: string } | { unknown: true };

export interface CapturedItem {
  id: string;
  modelId: string;
  capturedAt: string;
  contentType: string;
  bytes: number;
  /** sha256 of the input, to tell exact repeats apart from new inputs. */
  hash: string;
  prediction: Prediction;
  review?: ReviewDecision & { reviewedAt: string };
}

const CONFIG = 'config.json';
const META = 'meta.json';
const INPUT = 'input';

export class CaptureStore {
  private readonly col: Collection;

  constructor(store: Store) {
    this.col = store.collection('captures');
  }

  async config(modelId: string): Promise<CaptureConfig> {
    try {
      return { ...CAPTURE_OFF, ...(await this.col.readJson<Partial<CaptureConfig>>(modelId, CONFIG)) };
    } catch (err) {
      if (isNotFound(err) || err instanceof NotFoundError) return CAPTURE_OFF;
      throw err;
    }
  }

  async setConfig(modelId: string, config: CaptureConfig): Promise<void> {
    if (await this.col.exists(modelId)) return this.col.writeJson(modelId, CONFIG, config);
    try {
      await this.col.create(modelId, (dir) => writeFile(path.join(dir, CONFIG), JSON.stringify(config)));
    } catch (err) {
      // Created by a concurrent request meanwhile: this one's settings replace its.
      if (!(err instanceof ConflictError)) throw err;
      await this.col.writeJson(modelId, CONFIG, config);
    }
  }

  async add(item: Omit<CapturedItem, 'id'>, input: Buffer): Promise<CapturedItem> {
    const full: CapturedItem = { id: newId('capture'), ...item };
    await this.col.create(full.id, async (dir) => {
      await writeFile(path.join(dir, INPUT), input);
      await writeFile(path.join(dir, META), JSON.stringify(full));
    });
    return full;
  }

  /** A model's items, newest first. */
  async items(modelId: string): Promise<CapturedItem[]> {
    const items = await this.col.list<CapturedItem>(META, (m) => m.modelId === modelId);
    return items.sort((a, b) => (a.capturedAt < b.capturedAt ? 1 : a.capturedAt > b.capturedAt ? -1 : 0));
  }

  async item(modelId: string, id: string): Promise<CapturedItem> {
    const meta = await this.col.readJson<CapturedItem>(id, META).catch((err: unknown) => {
      if (isNotFound(err) || err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (!meta || meta.modelId !== modelId) {
      throw new NotFoundError(`captured input '${id}' of model '${modelId}' not found`);
    }
    return meta;
  }

  async input(modelId: string, id: string): Promise<{ item: CapturedItem; data: Buffer }> {
    const item = await this.item(modelId, id);
    return { item, data: await readFile(await this.col.local(id, INPUT)) };
  }

  async review(modelId: string, id: string, decision: ReviewDecision): Promise<CapturedItem> {
    const item = await this.item(modelId, id);
    const reviewed: CapturedItem = { ...item, review: { ...decision, reviewedAt: new Date().toISOString() } };
    await this.col.writeJson(id, META, reviewed);
    return reviewed;
  }

  async remove(modelId: string, id: string): Promise<void> {
    await this.item(modelId, id);
    await this.col.remove(id).catch(ignoreNotFound);
  }

  /** Removes every item of the model (not its settings); how many went. */
  async removeAll(modelId: string): Promise<number> {
    const items = await this.items(modelId);
    for (const i of items) await this.col.remove(i.id).catch(ignoreNotFound);
    return items.length;
  }

  /** Everything of a deleted model: its items and its settings. */
  async forget(modelId: string): Promise<void> {
    await this.removeAll(modelId);
    await this.col.remove(modelId).catch(ignoreNotFound);
  }

  /** Keeps the newest `maxItems` unreviewed items (reviewed ones are labelled data: kept). */
  async trim(modelId: string, maxItems: number): Promise<number> {
    const stale = (await this.items(modelId)).filter((i) => !i.review).slice(maxItems);
    for (const i of stale) await this.col.remove(i.id).catch(ignoreNotFound);
    return stale.length;
  }
}

function ignoreNotFound(err: unknown): void {
  if (isNotFound(err) || err instanceof NotFoundError) return;
  throw err;
}
