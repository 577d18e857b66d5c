import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { DEFAULT_PROJECT } from '../contracts/project.js';
import { AdvisorService } from '../advisor/advisor-service.js';
import { AuditService } from '../audits/audit-service.js';
import { BaseModelService } from '../base-models/base-model-service.js';
import { SummaryCache } from '../base-models/base-ref.js';
import { catalogEntries, encoderCatalogEntries } from '../base-models/catalog.js';
import { BatchService } from '../batch/batch-service.js';
import { CaptureService, type CaptureStats } from '../capture/capture-service.js';
import { CaptureStore } from '../capture/capture-store.js';
import { RetrainService } from '../capture/retrain-service.js';
import { ReviewService } from '../capture/review-service.js';
import { DatasetService } from '../datasets/dataset-service.js';
import { readManifest } from '../datasets/dataset-manifest.js';
import { resolveJob } from '../jobs/job-context.js';
import { JobService } from '../jobs/job-service.js';
import type { BackendInfo } from '../ml/index.js';
import { ModelService } from '../models/model-service.js';
import { ModelRegistry } from '../models/registry.js';
import { OipService } from '../oip/oip-service.js';
import { PromotionService } from '../promotion/promotion-service.js';
import type { QueueService } from '../queue/queue-service.js';
import { ProjectPredictions, type PredictionService } from '../serving/prediction-service.js';
import { isStoreUnavailable } from '../storage/store-errors.js';
import type { Store } from '../storage/store.js';
import { packageVersion } from './openapi-schemas.js';

/**
 * One project's services: every feature's service built on that project's store (its objects
 * under its own prefix, storage/project-storage.ts) and a job service that tags, reads and lists
 * that project's jobs only. A route reaches a project only through `request.scope`, so an object
 * of another project is simply not there (404), and caches (model freshness, summaries, capture
 * settings) never mix projects. What is process-wide is shared: the queue connection, the
 * prediction engine (inference workers, batchers, metrics) and the TF.js backend.
 */
export interface ProjectScope {
  project: string;
  store: Store;
  datasets: DatasetService;
  baseModels: BaseModelService;
  registry: ModelRegistry;
  models: ModelService;
  predictions: ProjectPredictions;
  capture: CaptureService;
  review: ReviewService;
  oip: OipService;
  jobs: JobService;
  retrain: RetrainService;
  advisor: AdvisorService;
  batches: BatchService;
  audits: AuditService;
  promotion: PromotionService;
}

export interface ProjectScopeDeps {
  config: Config;
  logger: Logger;
  queues: QueueService;
  backend: () => Promise<BackendInfo>;
  engine: PredictionService;
  ready: () => Promise<boolean>;
  /** The default project's store, opened by the caller. */
  defaultStore: Store;
  /** Opens another project's store (closed by `close()`). */
  openStore: (project: string) => { store: Store; close(): Promise<void> };
  /** Queued and running jobs of one project at once, at most. */
  maxConcurrentJobs?: (project: string) => number | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's project's services, on every API route (set after the auth plugin). */
    scope: ProjectScope;
  }
}

/** The Open Inference Protocol's server metadata. */
export const OIP_SERVER = { name: 'transfer-learning-service', version: packageVersion() };

/** The scopes of the projects seen so far, built on first use and kept for the process's life. */
export class ProjectScopes {
  private readonly scopes = new Map<string, Promise<ProjectScope>>();
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly built: ProjectScope[] = [];

  constructor(private readonly deps: ProjectScopeDeps) {}

  get(project: string): Promise<ProjectScope> {
    let scope = this.scopes.get(project);
    if (!scope) {
      scope = this.open(project);
      scope.catch(() => this.scopes.delete(project));
      this.scopes.set(project, scope);
    }
    return scope;
  }

  /** Waits for every project's capture writes in flight (tests, benchmarks, shutdown). */
  async settle(timeoutMs?: number): Promise<void> {
    await Promise.all(this.built.map((s) => s.capture.settle(timeoutMs)));
  }

  /** Capture counts of every project together. */
  captureStats(): CaptureStats {
    const sum: CaptureStats = { captured: 0, dropped: 0, failed: 0 };
    for (const s of this.built) {
      sum.captured += s.capture.stats.captured;
      sum.dropped += s.capture.stats.dropped;
      sum.failed += s.capture.stats.failed;
    }
    return sum;
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c().catch(() => undefined)));
  }

  private async open(project: string): Promise<ProjectScope> {
    const scope = await this.buildScopeOf(project);
    this.built.push(scope);
    return scope;
  }

  private async buildScopeOf(project: string): Promise<ProjectScope> {
    if (project === DEFAULT_PROJECT) return buildScope(this.deps, project, this.deps.defaultStore);
    const opened = this.deps.openStore(project);
    this.closers.push(() => opened.close());
    // As at start: a store failing now only delays the sweep of dead writers' objects.
    await opened.store.init(this.deps.config.STORAGE_SWEEP_GRACE_MS).catch((err: unknown) => {
      if (!isStoreUnavailable(err)) throw err;
      this.deps.logger.warn({ err, project }, 'project store failing at first use: not swept');
    });
    return buildScope(this.deps, project, opened.store);
  }
}

function buildScope(deps: ProjectScopeDeps, project: string, store: Store): ProjectScope {
  const { config, queues } = deps;
  const limits = { maxEntries: config.MAX_ARCHIVE_ENTRIES, maxBytes: config.MAX_ARCHIVE_BYTES };
  const log = deps.logger.child({ project });
  const datasets = new DatasetService({ store, queues, limits });
  const baseModels = new BaseModelService({ store, queues, config, backend: deps.backend, logger: log });
  const registry = new ModelRegistry(store, { freshnessTtlMs: config.MODEL_FRESHNESS_TTL_MS });
  const captureStore = new CaptureStore(store);
  const capture = new CaptureService({ store: captureStore, log: log.child({ component: 'capture' }) });
  const predictions = new ProjectPredictions(deps.engine, registry, (meta, input, out) =>
    capture.offer(meta, input, out),
  );
  const maxConcurrentJobs = deps.maxConcurrentJobs?.(project);
  const jobs = new JobService({
    queues,
    project,
    ...(maxConcurrentJobs === undefined ? {} : { maxConcurrentJobs }),
    validate: jobValidator(store, config),
  });
  const choices = baseModelChoices(baseModels);
  const datasetParent = async (id: string) => (await readManifest(store, id).catch(() => undefined))?.parent;
  return {
    project,
    store,
    datasets,
    baseModels,
    registry,
    predictions,
    capture,
    jobs,
    models: new ModelService({ registry, queues, predictions, onDeleted: (id) => captureStore.forget(id) }),
    review: new ReviewService({ registry, store: captureStore, capture }),
    oip: new OipService({
      registry,
      predictions,
      ready: deps.ready,
      backendUp: () =>
        deps.backend().then(
          () => true,
          () => false,
        ),
      server: OIP_SERVER,
    }),
    retrain: new RetrainService({ registry, captures: captureStore, datasets, jobs }),
    advisor: new AdvisorService({ store, jobs, queues, ...choices }),
    batches: new BatchService({ store, jobs, queues, registry, archiveLimits: limits }),
    audits: new AuditService({ store, jobs, queues, ...choices }),
    promotion: new PromotionService({ registry, datasetParent }),
  };
}

/** A job spec checked against its dataset and base in the project's store; [] when fine. */
function jobValidator(store: Store, config: Config) {
  const summaries = new SummaryCache();
  return async (spec: Parameters<typeof resolveJob>[1]) => {
    const resolved = await resolveJob(store, spec, { cache: summaries, maxCost: config.EVALUATION_MAX_COST });
    return resolved.ok ? [] : resolved.errors.map((e) => ({ ...e, path: `body.${e.path}` }));
  };
}

/** Base-model lookups the advisor and audits share: registered, packaged offline, and by catalog name. */
function baseModelChoices(baseModels: BaseModelService) {
  return {
    listBases: async () => (await baseModels.list(10_000, 0)).items,
    offlineCatalog: () => catalogEntries().filter((e) => e.packaged),
    offlineEncoders: () => encoderCatalogEntries(),
    registerCatalog: (name: string) => baseModels.registerCatalog({ catalog: name }),
  };
}
