// The New job form's state and the job spec it builds (pure functions, no DOM).
/** @import { FieldError } from './types.js' */

/** @typedef {'image' | 'tabular' | 'text'} Kind */

/** From-scratch layers that fit each kind of dataset. @type {Record<Kind, object[]>} */
export const ARCHITECTURES = {
  image: [
    { type: 'conv2d', filters: 8, kernelSize: 3 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
  ],
  tabular: [{ type: 'dense', units: 16 }],
  // Word ids in, one vector per text out: the service learns the vocabulary from the dataset.
  text: [{ type: 'embedding', outputDim: 32 }, { type: 'globalAveragePooling1d' }],
};

/**
 * Input size, channels and augmentation apply to images only.
 * @param {Kind | undefined} kind
 */
export const takesImageFields = (kind) => kind === undefined || kind === 'image';

export const DEFAULT_HEAD = [
  { type: 'dense', units: 64 },
  { type: 'dropout', rate: 0.3 },
];

/** @param {unknown} v */
const pretty = (v) => JSON.stringify(v, null, 2);

/**
 * Choices carried from elsewhere into the form (src/http/dashboard/draft.js).
 * @typedef {{ datasetId?: string, base?: string, cutAt?: string, unfreezeFrom?: string }} Draft
 */

/**
 * Every field as the text the user edits; defaults are the service's own.
 * @param {Draft} [draft]
 */
export function initialForm(draft = {}) {
  return {
    datasetId: draft.datasetId ?? '',
    base: draft.base ?? '',
    architecture: pretty(ARCHITECTURES.image),
    architectureTouched: false,
    cutAt: draft.cutAt ?? '',
    freeze: 'all',
    head: pretty(DEFAULT_HEAD),
    inputWidth: '',
    inputHeight: '',
    channels: '',
    optimizer: 'adam',
    learningRate: '0.001',
    epochs: '10',
    batchSize: '32',
    validationSplit: '0.2',
    reduceLr: true,
    reduceLrFactor: '0.2',
    reduceLrPatience: '5',
    earlyStopping: true,
    earlyStoppingPatience: '8',
    fineTune: Boolean(draft.unfreezeFrom),
    unfreezeFrom: draft.unfreezeFrom ?? '',
    fineTuneEpochs: '5',
    fineTuneLearningRate: '0.00001',
    flipHorizontal: false,
    rotateDegrees: '0',
    evaluationMethod: 'auto',
    folds: '5',
    learningCurve: true,
    modelName: '',
    seed: '',
  };
}

/** @typedef {ReturnType<typeof initialForm>} JobForm */

/**
 * The evaluation methods a job may ask for, as the form offers them.
 * @type {[value: string, label: string][]}
 */
export const EVALUATION_METHODS = [
  ['auto', 'auto: cross-validation on a small dataset, else its test split or a holdout'],
  ['cross-validation', 'cross-validation'],
  ['holdout', 'holdout (the validation split)'],
  ['test-split', "the dataset's own test split"],
];

/**
 * A number when the text is one; otherwise the text itself, so the API names the field.
 * @param {string} text
 */
function num(text) {
  const t = String(text).trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/**
 * @param {string} text
 * @param {string} path
 * @param {FieldError[]} problems
 * @returns {unknown}
 */
function json(text, path, problems) {
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push({ path, message: `not valid JSON (${/** @type {Error} */ (err).message})` });
    return undefined;
  }
}

/**
 * Sets `obj[key]` unless `value` is empty.
 * @param {Record<string, unknown>} obj
 * @param {string} key
 * @param {unknown} value
 */
function put(obj, key, value) {
  if (value !== undefined && value !== '') obj[key] = value;
}

/**
 * Builds the POST /v1/jobs body; `problems` are local errors (invalid JSON) by spec path.
 * `kind` is the dataset's (image, tabular, text): the image-only fields are left out for others.
 * The spec is what the form says, checked by the service, not here.
 * @param {JobForm} f
 * @param {Kind | undefined} kind
 * @returns {{ spec: Record<string, any>, problems: FieldError[] }}
 */
export function buildSpec(f, kind) {
  const images = takesImageFields(kind);
  /** @type {FieldError[]} */
  const problems = [];
  /** @type {Record<string, any>} */
  const spec = { datasetId: f.datasetId };
  const withBase = f.base !== '';
  if (withBase) {
    spec.base = f.base.startsWith('m_') ? { modelId: f.base } : { baseModelId: f.base };
    put(spec, 'cutAt', f.cutAt.trim());
    if (f.freeze !== 'all') {
      const n = num(f.freeze);
      spec.freeze = typeof n === 'number' ? n : f.freeze.trim();
    }
  } else {
    put(spec, 'architecture', json(f.architecture, 'architecture', problems));
  }
  put(spec, 'head', json(f.head, 'head', problems));
  /** @type {Record<string, unknown>} */
  const input = {};
  const w = num(f.inputWidth);
  const h = num(f.inputHeight);
  if (w !== undefined || h !== undefined) input.size = [h ?? w, w ?? h];
  put(input, 'channels', num(f.channels));
  if (images && Object.keys(input).length > 0) spec.input = input;
  spec.compile = { optimizer: f.optimizer };
  put(spec.compile, 'learningRate', num(f.learningRate));
  spec.fit = {};
  put(spec.fit, 'epochs', num(f.epochs));
  put(spec.fit, 'batchSize', num(f.batchSize));
  put(spec.fit, 'validationSplit', num(f.validationSplit));
  /** @type {Record<string, any>} */
  const callbacks = {};
  if (f.reduceLr) {
    callbacks.reduceLROnPlateau = {};
    put(callbacks.reduceLROnPlateau, 'factor', num(f.reduceLrFactor));
    put(callbacks.reduceLROnPlateau, 'patience', num(f.reduceLrPatience));
  }
  if (f.earlyStopping) {
    callbacks.earlyStopping = {};
    put(callbacks.earlyStopping, 'patience', num(f.earlyStoppingPatience));
  }
  spec.callbacks = callbacks;
  if (withBase && f.fineTune) {
    const ref = num(f.unfreezeFrom);
    spec.fineTune = { unfreezeFrom: typeof ref === 'number' ? ref : f.unfreezeFrom.trim() };
    put(spec.fineTune, 'epochs', num(f.fineTuneEpochs));
    put(spec.fineTune, 'learningRate', num(f.fineTuneLearningRate));
  }
  const rotate = num(f.rotateDegrees);
  if (images && (f.flipHorizontal || (rotate !== undefined && rotate !== 0))) {
    spec.augment = { flipHorizontal: f.flipHorizontal };
    put(spec.augment, 'rotateDegrees', rotate);
  }
  spec.evaluation = { method: f.evaluationMethod };
  if (f.evaluationMethod === 'auto' || f.evaluationMethod === 'cross-validation') {
    put(spec.evaluation, 'folds', num(f.folds));
    if (!f.learningCurve) spec.evaluation.learningCurve = false;
  }
  put(spec, 'modelName', f.modelName.trim());
  put(spec, 'seed', num(f.seed));
  return { spec, problems };
}

/**
 * Errors for one field: its own path or anything below it (`body.` prefix dropped); a path
 * written `=fit` takes that exact path only (an error about the object, not its members).
 * @param {FieldError[]} errors
 * @param {...string} paths
 */
export function errorsAt(errors, ...paths) {
  return errors.filter((e) => {
    const p = e.path.replace(/^body\.?/, '');
    return paths.some((path) =>
      path.startsWith('=')
        ? p === path.slice(1)
        : p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`),
    );
  });
}
