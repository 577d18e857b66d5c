import { ADVISOR_MODALITIES } from '../advisor/modalities.js';
import { describeBase } from '../base-models/base-ref.js';
import type { BaseModelMeta } from '../base-models/base-model-meta.js';
import type { CatalogEntry, EncoderCatalogEntry } from '../base-models/catalog.js';
import {
  AUDIT_MAX_EXAMPLES,
  NEAR_DUPLICATE_THRESHOLDS,
  type AuditProgress,
  type AuditRequest,
  type AuditResult,
} from '../contracts/audit.js';
import { readManifest, type DatasetManifest } from '../datasets/dataset-manifest.js';
import type { JobRecord, JobService, JobState } from '../jobs/job-service.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../lib/errors.js';
import { assertSafeId, newId } from '../lib/ids.js';
import { findLayer } from '../contracts/layer-refs.js';
import type { QueueService } from '../queue/queue-service.js';
import type { AuditPayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { tooSmallReason } from '../advisor/modalities.js';

/** An audit as the API shows it: the job's state, and once completed, its report. */
export interface AuditView extends Partial<Omit<AuditResult, 'datasetId'>> {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  datasetId: string;
  base: NonNullable<AuditPayload['base']> | null;
  progress?: AuditProgress;
  error?: string;
}

export interface AuditServiceDeps {
  store: Store;
  jobs: JobService;
  queues: QueueService;
  listBases: () => Promise<BaseModelMeta[]>;
  offlineCatalog: () => CatalogEntry[];
  offlineEncoders: () => EncoderCatalogEntry[];
  registerCatalog: (name: string) => Promise<BaseModelMeta>;
}

export type AuditEvent = { type: 'progress' | 'end'; audit: AuditView };

/**
 * Dataset audits: checks a request against its dataset and base, queues the audit job (run in a
 * trainer process like training and advisor runs), and shows, watches and cancels it.
 */
export class AuditService {
  constructor(private readonly deps: AuditServiceDeps) {}

  async create(datasetId: string, req: AuditRequest): Promise<AuditView> {
    assertSafeId(datasetId, 'id');
    const manifest = await readManifest(this.deps.store, datasetId);
    if (manifest.task !== 'classification') {
      throw new UnprocessableError(
        `dataset '${datasetId}' is a regression dataset: an audit checks labels, and it has classes to check none`,
      );
    }
    if (manifest.examples > AUDIT_MAX_EXAMPLES) {
      throw new UnprocessableError(
        `dataset '${datasetId}' has ${manifest.examples} examples; an audit reads at most ${AUDIT_MAX_EXAMPLES} ` +
          '(it compares every pair): audit a version with fewer',
      );
    }
    const small = tooSmallReason(manifest.classes);
    if (small) throw new UnprocessableError(small.replace('the advisor needs', 'an audit needs'));
    const base = await this.chooseBase(manifest, req);
    const payload: AuditPayload = {
      datasetId,
      ...(base ? { base } : {}),
      ...(req.cutAt !== undefined ? { cutAt: req.cutAt } : {}),
      nearDuplicateThreshold: req.nearDuplicateThreshold ?? NEAR_DUPLICATE_THRESHOLDS[manifest.kind],
      seed: req.seed,
    };
    const record = await this.deps.queues.exclusive({ datasetId }, async () => {
      await readManifest(this.deps.store, datasetId);
      return this.deps.jobs.enqueue('audit', payload, newId('audit'));
    });
    return view(record);
  }

  async get(id: string): Promise<AuditView> {
    return view(await this.deps.jobs.record(id, 'audit'));
  }

  async cancel(id: string): Promise<AuditView> {
    return view(await this.deps.jobs.cancelRecord(id, 'audit'));
  }

  async *watch(id: string, signal: AbortSignal): AsyncGenerator<AuditEvent> {
    for await (const ev of this.deps.jobs.watchRecords(id, 'audit', signal)) {
      yield { type: ev.type, audit: view(ev.record) };
    }
  }

  /** The request's base, checked; else the first registered or offline base that fits. */
  private async chooseBase(
    manifest: DatasetManifest,
    req: AuditRequest,
  ): Promise<AuditPayload['base'] | undefined> {
    if (manifest.kind === 'tabular') {
      if (req.base || req.cutAt !== undefined) {
        throw new ValidationError('a table is audited on its own columns: it takes no base or cut', {
          errors: [{ path: req.base ? 'body.base' : 'body.cutAt', message: 'not for tabular datasets' }],
        });
      }
      return undefined;
    }
    const fits = ADVISOR_MODALITIES[manifest.kind];
    if (!fits) throw new UnprocessableError(`no base fits a ${manifest.kind} dataset`);
    if (req.base) {
      const field = 'baseModelId' in req.base ? 'baseModelId' : 'modelId';
      const path = `body.base.${field}`;
      const base = await describeBase(this.deps.store, req.base).catch((err: unknown) => {
        if (err instanceof NotFoundError) {
          throw new ValidationError(err.message, { errors: [{ path, message: err.message }] });
        }
        throw err;
      });
      if (!fits.fits(base)) {
        const message = `this base does not fit a ${manifest.kind} dataset; an audit needs ${fits.bases}`;
        throw new ValidationError(message, { errors: [{ path, message }] });
      }
      if (req.cutAt !== undefined) {
        const found = base.encoder
          ? 'a sentence encoder has no layers to cut at'
          : findLayer(base.layers, req.cutAt);
        if (typeof found === 'string') {
          throw new ValidationError(`body.cutAt: ${found}`, {
            errors: [{ path: 'body.cutAt', message: found }],
          });
        }
      }
      return req.base;
    }
    // A well-known pretrained base first (an audit is only as good as its features), then any
    // registered base that fits.
    const offline = [
      ...this.deps.offlineCatalog().filter((e) => fits.fits(e)),
      ...this.deps.offlineEncoders().filter((e) => fits.fits({ inputShape: [], encoder: e })),
    ][0];
    if (!offline) {
      const registered = (await this.deps.listBases()).find((m) => fits.fits(m));
      if (registered) return { baseModelId: registered.id };
      throw new UnprocessableError(
        `no registered or offline base fits this ${manifest.kind} dataset; register ${fits.bases}`,
      );
    }
    const have = (await this.deps.listBases()).find(
      (m) => m.source.kind === 'catalog' && m.source.catalog === offline.name,
    );
    if (have) return { baseModelId: have.id };
    const meta = await this.deps.registerCatalog(offline.name);
    return { baseModelId: meta.id };
  }
}

function view(r: JobRecord): AuditView {
  const data = r.data as AuditPayload;
  const out: AuditView = {
    id: r.id,
    state: r.state,
    createdAt: r.createdAt,
    datasetId: data.datasetId,
    base: data.base ?? null,
  };
  if (r.startedAt) out.startedAt = r.startedAt;
  if (r.finishedAt) out.finishedAt = r.finishedAt;
  if (r.progress) out.progress = r.progress as AuditProgress;
  if (r.error) out.error = r.error;
  if (r.state === 'completed' && r.result) {
    const { datasetId: _same, ...result } = r.result as AuditResult;
    Object.assign(out, result);
  }
  return out;
}
