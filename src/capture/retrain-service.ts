import { jobSpecSchema, type JobSpec } from '../contracts/job-spec.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { DatasetService } from '../datasets/dataset-service.js';
import type { AddedExample } from '../datasets/version-additions.js';
import type { JobService, JobView } from '../jobs/job-service.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../lib/errors.js';
import type { ModelRegistry } from '../models/registry.js';
import type { CaptureStore } from './capture-store.js';

/** What POST /v1/models/{id}/retrain may change of the model's recipe (the rest is the model's own). */
export interface RetrainRequest {
  /** Top-level job spec fields that replace the model's (fit, compile, evaluation, seed, ...). */
  spec?: Record<string, unknown>;
  /** Train the new version from the base instead of the model's weights. */
  coldStart?: boolean;
}

export interface RetrainResult {
  job: JobView;
  dataset: {
    id: string;
    parentId: string;
    examples: number;
    added: number;
    skipped: Array<{ exampleId: string; reason: string }>;
  };
  /** Reviewed as "not one of the classes": kept in the review store, not training data. */
  unknown: number;
}

/**
 * The loop's last step: the model's labelled review items become a new version of its dataset
 * (with their provenance), and a job trains the model's own recipe on it, warm-started from the
 * model, publishing the next version of the model's name. The job is an ordinary job: its
 * progress, cancel and evaluation are the jobs API's, and its model's lineage names the version.
 */
export class RetrainService {
  constructor(
    private readonly deps: {
      registry: ModelRegistry;
      captures: CaptureStore;
      datasets: Pick<DatasetService, 'addExamples' | 'remove'>;
      jobs: Pick<JobService, 'create'>;
    },
  ) {}

  async retrain(ref: string, req: RetrainRequest): Promise<RetrainResult> {
    const meta = await this.deps.registry.resolve(ref);
    const recipe = recipeOf(meta);
    const items = await this.deps.captures.items(meta.id);
    const labelled = items.filter((i) => i.review && 'label' in i.review);
    const unknown = items.filter((i) => i.review && 'unknown' in i.review).length;
    if (labelled.length === 0) {
      throw new UnprocessableError(
        `model '${meta.id}' has no labelled review items yet: label some in its review queue ` +
          `(GET /v1/models/${meta.id}/review), then retrain`,
      );
    }
    // The recipe with the request's changes is checked before anything is stored.
    const spec = parseSpec({
      ...recipe,
      ...req.spec,
      datasetId: recipe.datasetId,
      modelName: meta.name,
      ...(req.coldStart ? {} : { warmStart: { modelId: meta.id } }),
    });
    if (req.coldStart) delete spec.warmStart;
    const added: AddedExample[] = [];
    for (const item of labelled) {
      const { data } = await this.deps.captures.input(meta.id, item.id);
      const review = item.review as { label: string; reviewedAt: string };
      added.push({
        id: item.id,
        label: review.label,
        data,
        contentType: item.contentType,
        modelId: meta.id,
        capturedAt: item.capturedAt,
        reviewedAt: review.reviewedAt,
      });
    }
    const { manifest, skipped } = await this.deps.datasets
      .addExamples(recipe.datasetId, added, `${meta.name} v${meta.version} + ${added.length} reviewed`)
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) {
          throw new UnprocessableError(
            `the dataset model '${meta.id}' was trained on ('${recipe.datasetId}') is gone; ` +
              'upload it again and train a new model instead',
          );
        }
        throw err;
      });
    // A version no job trains on is clutter: it goes again when the job is refused.
    const job = await this.deps.jobs
      .create({ ...spec, datasetId: manifest.id })
      .catch(async (err: unknown) => {
        await this.deps.datasets.remove(manifest.id).catch(() => undefined);
        throw err;
      });
    return {
      job,
      dataset: {
        id: manifest.id,
        parentId: recipe.datasetId,
        examples: manifest.examples,
        added: added.length - skipped.length,
        skipped,
      },
      unknown,
    };
  }
}

/** The spec the model was trained with, as its job stored it. */
function recipeOf(meta: ModelMeta): JobSpec {
  const spec = meta.lineage.spec as JobSpec | undefined;
  if (!spec || typeof spec !== 'object' || typeof spec.datasetId !== 'string') {
    throw new UnprocessableError(
      `model '${meta.id}' was not trained by this service's jobs, so there is no recipe to retrain`,
    );
  }
  return spec;
}

function parseSpec(raw: Record<string, unknown>): JobSpec {
  const parsed = jobSpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    path: ['body', 'spec', ...i.path].join('.'),
    message: i.message,
  }));
  throw new ValidationError(
    `the retrain's spec is not valid: ${errors
      .slice(0, 3)
      .map((e) => `${e.path}: ${e.message}`)
      .join('; ')}`,
    { errors },
  );
}
