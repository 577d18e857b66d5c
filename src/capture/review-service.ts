import { assertSafeId } from '../lib/ids.js';
import { UnprocessableError, ValidationError } from '../lib/errors.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { ModelRegistry } from '../models/registry.js';
import type { CaptureService } from './capture-service.js';
import type { CaptureConfig, CaptureStore, CapturedItem } from './capture-store.js';
import { reviewOrder, type ReviewEntry } from './review-queue.js';

/** A model's capture settings and what they hold so far. */
export interface CaptureView {
  modelId: string;
  capture: CaptureConfig;
  items: number;
  reviewed: number;
  bytes: number;
}

export type ReviewBody = { label: string } | { unknown: true } | { discard: true };

/**
 * The routes' side of capture and review: settings per model (by id, name or alias, resolved to
 * the model id at the time of the call: captures belong to one version), the review queue, the
 * decisions, and deletion (one item, or all: capture is opt-in and its data the user's to delete).
 */
export class ReviewService {
  constructor(
    private readonly deps: { registry: ModelRegistry; store: CaptureStore; capture: CaptureService },
  ) {}

  private async classifier(ref: string): Promise<ModelMeta> {
    const meta = await this.deps.registry.resolve(ref);
    if (meta.task !== 'classification') {
      throw new UnprocessableError(
        `model '${meta.id}' is a ${meta.task} model; capture and review are for classifiers`,
      );
    }
    return meta;
  }

  async setCapture(ref: string, config: CaptureConfig): Promise<CaptureView> {
    const meta = await this.classifier(ref);
    await this.deps.capture.setConfig(meta.id, config);
    if (config.rate > 0) await this.deps.store.trim(meta.id, config.maxItems);
    return this.view(meta);
  }

  async capture(ref: string): Promise<CaptureView> {
    return this.view(await this.classifier(ref));
  }

  private async view(meta: ModelMeta): Promise<CaptureView> {
    const [capture, items] = await Promise.all([
      this.deps.store.config(meta.id),
      this.deps.store.items(meta.id),
    ]);
    return {
      modelId: meta.id,
      capture,
      items: items.length,
      reviewed: items.filter((i) => i.review).length,
      bytes: items.reduce((s, i) => s + i.bytes, 0),
    };
  }

  async queue(ref: string, limit: number): Promise<{ modelId: string; items: ReviewEntry[]; total: number }> {
    const meta = await this.classifier(ref);
    const ev = meta.evaluation?.task === 'classification' ? meta.evaluation : undefined;
    const order = reviewOrder(await this.deps.store.items(meta.id), ev?.unknown?.threshold);
    return { modelId: meta.id, items: order.slice(0, limit), total: order.length };
  }

  async input(ref: string, itemId: string): Promise<{ contentType: string; data: Buffer }> {
    const meta = await this.classifier(ref);
    const { item, data } = await this.deps.store.input(meta.id, assertSafeId(itemId, 'itemId'));
    return { contentType: item.contentType, data };
  }

  /** A label, "not one of the classes" (unknown), or discard (the item is deleted). */
  async decide(ref: string, itemId: string, body: ReviewBody): Promise<CapturedItem | undefined> {
    const meta = await this.classifier(ref);
    const id = assertSafeId(itemId, 'itemId');
    if ('discard' in body) {
      await this.deps.store.remove(meta.id, id);
      return undefined;
    }
    if ('label' in body && !meta.labels.includes(body.label)) {
      throw new ValidationError(`'${body.label}' is not a class of model '${meta.id}'`, {
        errors: [
          { path: 'body.label', message: `one of: ${meta.labels.join(', ')}; or send { "unknown": true }` },
        ],
      });
    }
    return this.deps.store.review(meta.id, id, 'label' in body ? { label: body.label } : { unknown: true });
  }

  async remove(ref: string, itemId: string): Promise<void> {
    const meta = await this.classifier(ref);
    await this.deps.store.remove(meta.id, assertSafeId(itemId, 'itemId'));
  }

  async removeAll(ref: string): Promise<{ modelId: string; removed: number }> {
    const meta = await this.classifier(ref);
    return { modelId: meta.id, removed: await this.deps.store.removeAll(meta.id) };
  }
}
