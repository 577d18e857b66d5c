import type {
  AdvisorProgress,
  AdvisorRequest,
  AdvisorResult,
  AdvisorCandidate,
} from '../contracts/advisor.js';
import type { BaseModelMeta } from '../base-models/base-model-meta.js';
import { describeBase, type StoredBase } from '../base-models/base-ref.js';
import type { CatalogEntry, EncoderCatalogEntry } from '../base-models/catalog.js';
import { readManifest, type DatasetManifest } from '../datasets/dataset-manifest.js';
import type { JobRecord, JobService, JobState } from '../jobs/job-service.js';
import { NotFoundError, UnprocessableError, ValidationError, type FieldError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { findLayer } from '../contracts/layer-refs.js';
import type { QueueService } from '../queue/queue-service.js';
import type { AdvisePayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { ADVISOR_MODALITIES, ENCODER_CUT, unsupportedReason } from './modalities.js';

/**
 * The advisor as the API shows it: checks a request against the dataset and the bases, fills in
 * the default candidates (every registered base and every offline catalog base, sentence
 * encoders included, that fits the dataset's modality; the latter registered on first use), and queues one `advise` job on the
 * training workers. Reading, watching and cancelling go through the JobService, as for
 * training jobs.
 */

/** An advisor run; the result's fields (ranking, recommendation, ...) once completed. */
export interface AdvisorView extends Partial<Omit<AdvisorResult, 'datasetId'>> {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  datasetId: string;
  candidates: AdvisorCandidate[];
  progress?: AdvisorProgress;
  error?: string;
}

export interface AdvisorServiceDeps {
  store: Store;
  jobs: JobService;
  queues: QueueService;
  /** Registered base models (all of them). */
  listBases: () => Promise<BaseModelMeta[]>;
  /** Catalog entries that need no network. */
  offlineCatalog: () => CatalogEntry[];
  /** Sentence encoders of the catalog that need no network. */
  offlineEncoders?: () => EncoderCatalogEntry[];
  registerCatalog: (name: string) => Promise<BaseModelMeta>;
}

export type AdvisorEvent = { type: 'progress' | 'end'; run: AdvisorView };

export class AdvisorService {
  constructor(private readonly deps: AdvisorServiceDeps) {}

  async create(req: AdvisorRequest): Promise<AdvisorView> {
    const manifest = await readManifest(this.deps.store, req.datasetId).catch((err: unknown) => {
      if (err instanceof NotFoundError) {
        throw new ValidationError(err.message, {
          errors: [{ path: 'body.datasetId', message: err.message }],
        });
      }
      throw err;
    });
    const unsupported = unsupportedReason(manifest);
    if (unsupported) {
      throw new UnprocessableError(unsupported, {
        errors: [{ path: 'body.datasetId', message: unsupported }],
      });
    }
    const candidates = req.candidates
      ? await this.checkCandidates(req.candidates, manifest)
      : await this.defaults(manifest);
    if (candidates.length === 0) {
      const what = ADVISOR_MODALITIES[manifest.kind]?.bases ?? 'bases';
      throw new UnprocessableError(
        `no registered or offline base fits this ${manifest.kind} dataset; register ${what}`,
      );
    }
    const payload: AdvisePayload = {
      datasetId: req.datasetId,
      candidates,
      cutsPerBase: req.cutsPerBase,
      maxExamples: req.maxExamples,
      seed: req.seed,
    };
    const record = await this.deps.queues.exclusive({ datasetId: req.datasetId }, async () => {
      // Deleted meanwhile? Then the job would only fail; answer now.
      await readManifest(this.deps.store, req.datasetId);
      return this.deps.jobs.enqueue('advise', payload, newId('advice'));
    });
    return view(record);
  }

  async get(id: string): Promise<AdvisorView> {
    return view(await this.deps.jobs.record(id, 'advise'));
  }

  async cancel(id: string): Promise<AdvisorView> {
    return view(await this.deps.jobs.cancelRecord(id, 'advise'));
  }

  async *watch(id: string, signal: AbortSignal): AsyncGenerator<AdvisorEvent> {
    for await (const ev of this.deps.jobs.watchRecords(id, 'advise', signal)) {
      yield { type: ev.type, run: view(ev.record) };
    }
  }

  private async checkCandidates(
    candidates: AdvisorCandidate[],
    manifest: DatasetManifest,
  ): Promise<AdvisorCandidate[]> {
    const errors: FieldError[] = [];
    const fits = ADVISOR_MODALITIES[manifest.kind];
    for (const [i, c] of candidates.entries()) {
      const field = 'baseModelId' in c.base ? 'baseModelId' : 'modelId';
      const path = `body.candidates.${i}.base.${field}`;
      let base: StoredBase;
      try {
        base = await describeBase(this.deps.store, c.base);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        errors.push({ path, message: err.message });
        continue;
      }
      if (fits && !fits.fits(base)) {
        const what = base.encoder
          ? `${base.catalog ?? base.name ?? 'this base'} is a sentence encoder (it takes texts)`
          : `input [${base.inputShape.join(', ')}]`;
        errors.push({
          path,
          message: `${what} does not fit a ${manifest.kind} dataset; the advisor needs ${fits.bases}`,
        });
        continue;
      }
      if (base.encoder) {
        for (const [j, ref] of (c.cuts ?? []).entries()) {
          if (ref !== ENCODER_CUT) {
            errors.push({
              path: `body.candidates.${i}.cuts.${j}`,
              message: `a sentence encoder is a GraphModel used whole: its one cut is '${ENCODER_CUT}'`,
            });
          }
        }
        continue;
      }
      for (const [j, ref] of (c.cuts ?? []).entries()) {
        const found = findLayer(base.layers, ref);
        if (typeof found === 'string')
          errors.push({ path: `body.candidates.${i}.cuts.${j}`, message: found });
      }
    }
    if (errors.length > 0) {
      throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    return candidates;
  }

  /** Every registered base that fits, plus every offline catalog base (registered now if not yet). */
  private async defaults(manifest: DatasetManifest): Promise<AdvisorCandidate[]> {
    const fits = ADVISOR_MODALITIES[manifest.kind];
    if (!fits) return [];
    const registered = await this.deps.listBases();
    const out: AdvisorCandidate[] = registered
      .filter((m) => fits.fits(m))
      .map((m) => ({ base: { baseModelId: m.id } }));
    const have = new Set(registered.map((m) => (m.source.kind === 'catalog' ? m.source.catalog : '')));
    const offline = [
      ...this.deps.offlineCatalog().map((e) => ({ name: e.name, fits: fits.fits(e) })),
      ...(this.deps.offlineEncoders?.() ?? []).map((e) => ({
        name: e.name,
        fits: fits.fits({ inputShape: [], encoder: e }),
      })),
    ];
    for (const entry of offline) {
      if (have.has(entry.name) || !entry.fits) continue;
      const meta = await this.deps.registerCatalog(entry.name);
      out.push({ base: { baseModelId: meta.id } });
    }
    return out;
  }
}

function view(r: JobRecord): AdvisorView {
  const data = r.data as AdvisePayload;
  const out: AdvisorView = {
    id: r.id,
    state: r.state,
    createdAt: r.createdAt,
    datasetId: data.datasetId,
    candidates: data.candidates,
  };
  if (r.startedAt) out.startedAt = r.startedAt;
  if (r.finishedAt) out.finishedAt = r.finishedAt;
  if (r.progress) out.progress = r.progress as AdvisorProgress;
  if (r.error) out.error = r.error;
  if (r.state === 'completed' && r.result) {
    const { datasetId: _same, ...result } = r.result as AdvisorResult;
    Object.assign(out, result);
  }
  return out;
}
