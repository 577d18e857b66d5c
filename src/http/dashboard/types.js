// The shapes the dashboard reads from the API, named once for the views' JSDoc: the generated
// OpenAPI types (src/client/openapi-types.ts), completed where the contract leaves a field open
// (a job's progress, a text model's preprocessing). Types only: no
// module imports this file at run time.

/** @typedef {import('../../client/openapi-types.js').components['schemas']} Schemas */

/**
 * A page of a list endpoint (`GET /v1/datasets?limit=100`, …).
 * @template T
 * @typedef {{ items: T[], total?: number }} Page
 */

/** @typedef {Schemas['Problem']} Problem */
/** @typedef {{ path: string, message: string }} FieldError */

/** @typedef {Schemas['SizeStats']} SizeStats */
/** A dataset; text datasets (`kind: text`) carry text lengths in `exampleShape`. */
/** @typedef {Schemas['Dataset']} Dataset */
/** @typedef {Schemas['ImageExample']} ImageExample */
/** @typedef {Schemas['TabularRow']} TabularRow */
/** @typedef {{ ref: string, label: string, split: string, text: string }} TextExample */
/** @typedef {ImageExample | TabularRow | TextExample} Example */

/** @typedef {Schemas['Layer']} Layer */
/** @typedef {Schemas['LayerListing']} LayerListing */
/** @typedef {Schemas['BaseModel']} BaseModel */
/** @typedef {Schemas['CatalogEntry']} CatalogEntry */

/** @typedef {import('../../contracts/preprocessing.js').Preprocessing} Preprocessing */
/** @typedef {Schemas['ModelSummary']} ModelSummary */
/**
 * A model's meta (`GET /v1/models/{id}`), its preprocessing with the text modality included.
 * @typedef {Pick<Schemas['ModelMeta'],
 *   'id' | 'name' | 'version' | 'createdAt' | 'task' | 'kind' | 'labels' | 'inputShape' | 'metrics'
 *   | 'evaluation' | 'history' | 'lineage' | 'backend' | 'durationMs' | 'params' | 'sizeBytes' | 'notes'
 * > & { preprocessing: Preprocessing }} Model
 */
/** @typedef {NonNullable<Schemas['ModelMeta']['evaluation']>} Evaluation */
/** @typedef {Extract<Evaluation, { task: 'classification' }>} ClassificationEvaluation */
/** @typedef {NonNullable<ClassificationEvaluation['learningCurve']>[number]} CurvePoint */
/** @typedef {NonNullable<ClassificationEvaluation['forecast']>} Forecast */
/** @typedef {Schemas['Interval']} Interval */
/** @typedef {Schemas['Calibration']} Calibration */
/** @typedef {Schemas['UnknownRule']} UnknownRule */
/** @typedef {Schemas['EvaluationWarnings']} EvaluationWarnings */
/** @typedef {Schemas['PredictResponse']} PredictResponse */
/** @typedef {PredictResponse['predictions'][number]} Prediction */

/**
 * One epoch of a job's or model's history: loss, metrics and learning rate by name.
 * @typedef {{ [key: string]: unknown }} HistoryEntry
 */

/**
 * Where a cross-validated job is: a fold, a point of the learning curve, or the refit.
 * @typedef {{ stage: 'cross-validation' | 'learning-curve' | 'refit', fold?: number, folds?: number, fraction?: number }} EvaluationStage
 */
/**
 * A job's latest report (`Job.progress`, open in the contract).
 * @typedef {{
 *   phase?: string, epoch?: number, epochs?: number, batch?: number, batches?: number,
 *   loss?: number, examplesPerSec?: number, etaMs?: number, etaSeconds?: number,
 *   throughput?: Record<string, number>, evaluation?: EvaluationStage,
 * }} JobProgress
 */
/**
 * @typedef {Omit<Schemas['Job'], 'progress' | 'history'> & { progress?: JobProgress, history: HistoryEntry[] }} Job
 */
/** @typedef {Schemas['JobSpec']} JobSpec */

/** @typedef {Schemas['AdvisorRun']} AdvisorRun */
/** @typedef {NonNullable<AdvisorRun['ranking']>[number]} Candidate */
/** @typedef {Schemas['BatchPrediction']} BatchPrediction */
/** @typedef {Schemas['Audit']} Audit */
/** @typedef {NonNullable<Audit['findings']>[number]} Finding */
/** @typedef {Schemas['AliasList']} AliasList */
/** @typedef {AliasList['aliases'][number]} Alias */
/** @typedef {Schemas['Comparison']} Comparison */
/** @typedef {Schemas['Promotion']} Promotion */
/** @typedef {Schemas['Capture']} Capture */
/** @typedef {Schemas['ReviewEntry']} ReviewEntry */
/** @typedef {Schemas['Retrain']} Retrain */

/** @typedef {Schemas['ApiKey']} ApiKey */
/** @typedef {Schemas['CreatedApiKey']} CreatedApiKey */
/** @typedef {Schemas['AuditLogEntry']} AuditLogEntry */
/**
 * A page of the audit log (`GET /v1/audit-log`), newest first; `next` is the `before` of the page after.
 * @typedef {import('../../client/openapi-types.js').operations['listAuditLog']['responses'][200]['content']['application/json']} AuditPage
 */

export {};
