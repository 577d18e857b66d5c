import type { DatasetParent } from '../contracts/audit.js';
import type { OutOfFoldFile } from '../contracts/evaluation.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../lib/errors.js';
import type { AliasMove, AliasView } from '../models/aliases.js';
import { assertAlias } from '../models/aliases.js';
import { assertModelName } from '../models/names.js';
import { OOF_JSON, type ModelRegistry } from '../models/registry.js';
import { isNotFound } from '../storage/store.js';
import { compareOutOfFold, type PairedComparison } from './compare.js';

/**
 * Aliases, comparison and promotion: a new version goes behind `name@candidate`, is compared with
 * `name@production` on the examples both were evaluated on, and takes `production` only when the
 * policy says it is good enough. Clients call `name@production` and never change their URL.
 */

export interface ModelRefView {
  id: string;
  name: string | null;
  version: number | null;
}

export type ComparisonView = PairedComparison & { a: ModelRefView; b: ModelRefView; basis: string };

/** manual: move whatever the comparison says; not-worse: b's lower limit >= -margin; better: > margin. */
export type PromotionPolicy = 'manual' | 'not-worse' | 'better';

export interface PromotionRequest {
  version?: number;
  from: string;
  to: string;
  policy: PromotionPolicy;
  margin?: number;
}

export interface PromotionView {
  promoted: boolean;
  reason: string;
  name: string;
  alias: string;
  version: number;
  previous: number | null;
  policy: PromotionPolicy;
  margin: number;
  comparison: ComparisonView | null;
}

const DEFAULT_MARGIN: Record<PromotionPolicy, number> = { manual: 0, 'not-worse': 0.02, better: 0 };

const ref = (m: ModelMeta): ModelRefView => ({ id: m.id, name: m.name ?? null, version: m.version ?? null });

export class PromotionService {
  constructor(
    private readonly deps: {
      registry: ModelRegistry;
      /** What a dataset version records of its making (undefined: not a version, or gone). */
      datasetParent?: (datasetId: string) => Promise<DatasetParent | undefined>;
    },
  ) {}

  async aliases(
    name: string,
  ): Promise<{ name: string; aliases: Array<AliasView & { modelId: string | null }> }> {
    await this.deps.registry.resolve(assertModelName(name, 'name'));
    const views = await this.deps.registry.aliases.list(name);
    const items = await Promise.all(
      views.map(async (v) => {
        const meta = await this.deps.registry.resolve(name, v.version).catch(() => undefined);
        return { ...v, modelId: meta?.id ?? null };
      }),
    );
    return { name, aliases: items };
  }

  /** PUT: points the alias at a published version of the name. */
  async setAlias(
    name: string,
    alias: string,
    version: number,
  ): Promise<AliasMove & { alias: string; modelId: string }> {
    assertAlias(alias);
    const meta = await this.publishedVersion(name, version, 'body.version');
    const move = await this.deps.registry.aliases.move(name, alias, version);
    return { alias, ...move, modelId: meta.id };
  }

  async removeAlias(name: string, alias: string): Promise<void> {
    assertAlias(alias);
    if ((await this.deps.registry.aliases.current(assertModelName(name, 'name'), alias)) === undefined) {
      throw new NotFoundError(`model '${name}' has no alias '${alias}'`);
    }
    await this.deps.registry.aliases.move(name, alias, 0);
  }

  async compare(aRef: string, bRef: string): Promise<ComparisonView> {
    const [a, b] = await Promise.all([this.deps.registry.resolve(aRef), this.deps.registry.resolve(bRef)]);
    return this.compareMetas(a, b, { a: 'body.a', b: 'body.b' });
  }

  /**
   * Moves `to` to the candidate (`version`, or what `from` points at) when the policy allows it.
   * The move is a compare-and-swap on the version compared against.
   */
  async promote(name: string, req: PromotionRequest): Promise<PromotionView> {
    assertModelName(name, 'name');
    assertAlias(req.to, 'body.to');
    const version =
      req.version ?? (await this.deps.registry.aliases.current(name, assertAlias(req.from, 'body.from')));
    if (version === undefined) {
      throw new UnprocessableError(
        `model '${name}' has no alias '${req.from}' to promote; give 'version' or set it with PUT /v1/models/${name}/aliases/${req.from}`,
      );
    }
    const candidate = await this.publishedVersion(
      name,
      version,
      req.version === undefined ? 'body.from' : 'body.version',
    );
    const margin = req.margin ?? DEFAULT_MARGIN[req.policy];
    const base = { name, alias: req.to, version, policy: req.policy, margin };
    const current = await this.deps.registry.aliases.current(name, req.to);
    if (current === version) {
      return {
        ...base,
        promoted: false,
        previous: current,
        reason: `'${req.to}' already points at version ${version}`,
        comparison: null,
      };
    }
    const incumbent =
      current === undefined
        ? undefined
        : await this.deps.registry.resolve(name, current).catch(() => undefined);
    let comparison: ComparisonView | null = null;
    let reason: string;
    if (!incumbent) {
      reason =
        current === undefined
          ? `'${req.to}' was not set`
          : `'${req.to}' pointed at version ${current}, which was deleted`;
    } else {
      comparison = await this.compareMetas(incumbent, candidate, { a: 'body.to', b: 'body.version' });
      const verdict = decide(req.policy, margin, comparison);
      if (!verdict.ok)
        return { ...base, promoted: false, previous: current ?? null, reason: verdict.reason, comparison };
      reason = verdict.reason;
    }
    await this.deps.registry.aliases.move(name, req.to, version, { expected: current ?? 0 });
    return { ...base, promoted: true, previous: current ?? null, reason, comparison };
  }

  private async publishedVersion(name: string, version: number, field: string): Promise<ModelMeta> {
    return this.deps.registry.resolve(assertModelName(name, 'name'), version).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
      throw new ValidationError(`model '${name}' has no published version ${version}`, {
        errors: [{ path: field, message: `no version ${version} of '${name}'` }],
      });
    });
  }

  private async compareMetas(
    a: ModelMeta,
    b: ModelMeta,
    fields: { a: string; b: string },
  ): Promise<ComparisonView> {
    await this.assertSameExamples(a, b);
    const [fa, fb] = [await this.outOfFold(a, fields.a), await this.outOfFold(b, fields.b)];
    const result = compareOutOfFold(fa, fb);
    if (!result) {
      throw new UnprocessableError(
        `models '${a.id}' and '${b.id}' were not evaluated on any common example: compare versions trained on the same dataset, or on one derived from it`,
      );
    }
    const basis =
      fa.method === 'cross-validation' && fb.method === 'cross-validation'
        ? 'out-of-fold predictions of both models on the examples both were cross-validated on'
        : 'held-out predictions of both models on the examples both were evaluated on';
    return { ...result, a: { ...ref(a), ...result.a }, b: { ...ref(b), ...result.b }, basis };
  }

  /**
   * Example ids name the same example only within one dataset, or between a dataset and a
   * version made from it: always for images and texts, and for a table when the version left no
   * row out (rows after an excluded one are renumbered; added rows come after the parent's).
   */
  private async assertSameExamples(a: ModelMeta, b: ModelMeta): Promise<void> {
    const da = a.lineage.datasetId;
    const db = b.lineage.datasetId;
    if (da !== undefined && da === db) return;
    const child =
      da !== undefined && b.lineage.datasetParentId === da
        ? db
        : a.lineage.datasetParentId === db
          ? da
          : undefined;
    const related = da !== undefined && db !== undefined && child !== undefined;
    if (related && a.preprocessing.kind !== 'tabular') return;
    if (related) {
      const parent = await this.deps.datasetParent?.(child);
      if (parent && parent.excluded.length === 0) return;
    }
    throw new UnprocessableError(
      related
        ? `models '${a.id}' and '${b.id}' were trained on a table and a version of it that left rows out, so its rows are renumbered: compare versions trained on the same dataset`
        : `models '${a.id}' and '${b.id}' were not evaluated on any common example (datasets ${da ?? 'unknown'} and ${db ?? 'unknown'}): compare versions trained on the same dataset, or on one derived from it`,
    );
  }

  private async outOfFold(meta: ModelMeta, field: string): Promise<OutOfFoldFile> {
    if (meta.task !== 'classification') {
      throw new UnprocessableError(
        `model '${meta.id}' is a ${meta.task} model; comparison is for classifiers`,
        {
          errors: [{ path: field, message: 'not a classifier' }],
        },
      );
    }
    return this.deps.registry.models.readJson<OutOfFoldFile>(meta.id, OOF_JSON).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
      throw new UnprocessableError(
        `model '${meta.id}' has no held-out predictions to compare on (it was not trained by a job that keeps them)`,
        { errors: [{ path: field, message: 'no out-of-fold predictions' }] },
      );
    });
  }
}

function decide(
  policy: PromotionPolicy,
  margin: number,
  c: PairedComparison,
): { ok: boolean; reason: string } {
  const d = c.difference;
  const pct = (x: number) => `${(x * 100).toFixed(1)} points`;
  const span = `${pct(d.accuracy)} (95% interval ${pct(d.low)} to ${pct(d.high)}, ${c.examples} examples)`;
  if (policy === 'manual')
    return { ok: true, reason: `manual promotion; the candidate's accuracy differs by ${span}` };
  if (policy === 'better') {
    return d.low > margin
      ? { ok: true, reason: `better by ${span}: the interval is above ${pct(margin)}` }
      : { ok: false, reason: `not shown better by more than ${pct(margin)}: ${span}` };
  }
  return d.low >= -margin
    ? { ok: true, reason: `not worse by more than ${pct(margin)}: ${span}` }
    : { ok: false, reason: `may be worse by more than ${pct(margin)}: ${span}` };
}
