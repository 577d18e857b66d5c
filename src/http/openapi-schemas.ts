import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { advisorRequestSchema } from '../contracts/advisor.js';
import { auditRequestSchema, versionRequestSchema } from '../contracts/audit.js';
import { auditView } from './routes/audits.js';
import { jobSpecSchema } from '../contracts/job-spec.js';
import { advisorView } from './routes/advisor.js';
import { batchRequestSchema, batchView } from './routes/batch-predictions.js';
import {
  aliasListSchema,
  aliasMove,
  comparisonSchema,
  promotionRequestSchema,
  promotionSchema,
} from './routes/promotion.js';
import {
  captureConfigSchema,
  captureViewSchema,
  reviewBodySchema,
  reviewEntrySchema,
} from './routes/capture.js';
import { retrainBodySchema, retrainResultSchema } from './routes/retrain.js';

/** Schemas in openapi.yaml that are generated from the zod schemas the routes validate with. */
export function generatedSchemas(): Record<string, unknown> {
  return {
    ...batchSchemas(),
    ...auditSchemas(),
    ...promotionSchemas(),
    ...captureSchemas(),
    ...jobSchemas(),
  };
}

/**
 * A zod schema as JSON Schema, as a request reads it (input) or a response writes it (output).
 * A job spec inside another schema (a job view's `spec`) refers to the JobSpec component.
 */
function json(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema !== jobSpecSchema || ctx.path.length === 0) return;
      const target = ctx.jsonSchema as Record<string, unknown>;
      for (const key of Object.keys(target)) delete target[key];
      target['$ref'] = '#/components/schemas/JobSpec';
    },
  }) as Record<string, unknown>;
  return rest;
}

/** Batch predictions: the request, and the batch as the API shows it. */
function batchSchemas(): Record<string, unknown> {
  return {
    BatchPredictionRequest: {
      description:
        'A batch prediction of a stored dataset or of an earlier upload (uploads go as multipart).',
      ...json(batchRequestSchema, 'input'),
    },
    BatchPrediction: {
      description:
        'A batch prediction: its state, progress, counts once completed, and where its results are.',
      ...json(batchView, 'output'),
    },
  };
}

/** Dataset audits, and the version request (examples left out or relabelled) that acts on them. */
function auditSchemas(): Record<string, unknown> {
  return {
    AuditRequest: {
      description: 'What an audit reads its features with; every field optional.',
      ...json(auditRequestSchema, 'input'),
    },
    Audit: {
      description: "A dataset audit; once completed, its findings, the dataset's checks and a summary.",
      ...json(auditView, 'output'),
    },
    VersionRequest: {
      description: 'Examples to leave out and examples to give another label, by example id.',
      ...json(versionRequestSchema, 'input'),
    },
  };
}

/** Aliases and promotion: the alias list, a move, the comparison, the request and its outcome. */
function promotionSchemas(): Record<string, unknown> {
  return {
    AliasList: {
      description: "A model name's aliases, each with the version it points at and its recent moves.",
      ...json(aliasListSchema, 'output'),
    },
    AliasMove: {
      description: 'One move of an alias: the version it now points at (0: removed) and the one before.',
      ...json(aliasMove.extend({ alias: z.string(), modelId: z.string() }), 'output'),
    },
    Comparison: {
      description:
        "Two classifiers' accuracies on the same examples and the difference b - a with Newcombe's paired 95% interval.",
      ...json(comparisonSchema, 'output'),
    },
    PromotionRequest: {
      description:
        'Which version to promote (or the alias `from` points at), to which alias, under which policy.',
      ...json(promotionRequestSchema, 'input'),
    },
    Promotion: {
      description: 'Whether the alias moved, why, and the comparison the decision rests on.',
      ...json(promotionSchema, 'output'),
    },
  };
}

/** Prediction capture, its review queue, and retraining on the reviewed items. */
function captureSchemas(): Record<string, unknown> {
  return {
    CaptureConfig: {
      description:
        'Prediction capture of a model: the share of predicted instances kept (0: off) and the most unreviewed items kept.',
      ...json(captureConfigSchema, 'input'),
    },
    Capture: {
      description: "A model's capture settings, and how many items (reviewed among them) and bytes it holds.",
      ...json(captureViewSchema, 'output'),
    },
    ReviewEntry: {
      description:
        'A captured input in the review queue: the model answer, why it is worth a look, and its value.',
      ...json(reviewEntrySchema, 'output'),
    },
    ReviewDecision: {
      description:
        'A label (one of the model classes), "not one of the classes" (unknown), or discard (deleted).',
      ...json(reviewBodySchema, 'input'),
    },
    RetrainRequest: {
      description: "What a retrain changes of the model's recipe; {} retrains it as it was, warm-started.",
      ...json(retrainBodySchema, 'input'),
    },
    Retrain: {
      description: 'The dataset version the labelled review items made, and the job that trains on it.',
      ...json(retrainResultSchema, 'output'),
    },
  };
}

/** Training jobs and advisor runs. */
function jobSchemas(): Record<string, unknown> {
  return {
    JobSpec: {
      description: 'A training job (see the README for the recipe it automates).',
      ...json(jobSpecSchema, 'input'),
    },
    AdvisorRequest: {
      description: 'Which dataset to advise on, and optionally which bases and cuts to probe.',
      ...json(advisorRequestSchema, 'input'),
    },
    AdvisorRun: {
      description:
        'An advisor run; once completed, the ranking of (base, cut) candidates and the recommendation.',
      ...json(advisorView, 'output'),
    },
  };
}

/** The service's version, package.json's: openapi.yaml's `info.version` is kept equal to it. */
export function packageVersion(): string {
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}
