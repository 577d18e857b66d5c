// The New job form's fieldsets, each built from the form's controls (./controls.js).
import { can } from '../../access.js';
import { EVALUATION_METHODS } from '../../spec.js';
import { html } from '../../ui.js';
/** @import { Controls } from './controls.js' */
/** @import { BaseModel, Dataset, LayerListing, ModelSummary } from '../../types.js' */

/**
 * The dataset to train on, as a select of every dataset (a key without the read role, which
 * cannot list them, types its id).
 * @param {{ ctl: Controls, datasets: Dataset[] }} props
 */
function DatasetSelect({ ctl: { f, set, describedBy, input }, datasets }) {
  if (!can('read')) return input('datasetId', { placeholder: 'ds_…', required: true });
  return html`<select
    id="job-datasetId"
    value=${f.datasetId}
    onChange=${set('datasetId')}
    aria-describedby=${describedBy('datasetId')}
  >
    ${datasets.length === 0 && html`<option value="">(upload a dataset first)</option>`}
    ${datasets.map((d) => html`<option value=${d.id} selected=${d.id === f.datasetId}>${d.name} (${d.kind}, ${d.examples} examples)</option>`)}
  </select>`;
}

/**
 * The base to start from: none, a registered base model or a trained model (typed as an id by
 * a key without the read role).
 * @param {{ ctl: Controls, bases: BaseModel[], models: ModelSummary[] }} props
 */
function BaseSelect({ ctl: { f, set, describedBy, input }, bases, models }) {
  if (!can('read')) return input('base', { placeholder: 'bm_… or m_… (empty: from scratch)' });
  return html`<select id="job-base" value=${f.base} onChange=${set('base')} aria-describedby=${describedBy('base')}>
    <option value="" selected=${f.base === ''}>None: train the architecture below from scratch</option>
    <optgroup label="Base models">
      ${bases.map((b) => html`<option value=${b.id} selected=${b.id === f.base}>${b.name}</option>`)}
    </optgroup>
    <optgroup label="Trained models">
      ${models.map(
        (m) =>
          html`<option value=${m.id} selected=${m.id === f.base}>${m.name ? `${m.name} v${m.version}` : m.id}</option>`,
      )}
    </optgroup>
  </select>`;
}

/**
 * A JSON textarea (the architecture, the head).
 * @param {{ ctl: Controls, name: 'architecture' | 'head', rows: number }} props
 */
function JsonArea({ ctl: { f, set, describedBy }, name, rows }) {
  return html`<textarea
    id=${`job-${name}`}
    rows=${rows}
    spellcheck="false"
    value=${f[name]}
    onInput=${set(name)}
    aria-describedby=${describedBy(name)}
  ></textarea>`;
}

/**
 * Where to cut the base and how much of it to freeze, with the base's layer names to pick from.
 * @param {{ ctl: Controls, layers: LayerListing | undefined }} props
 */
function CutFields({ ctl: { field, input }, layers }) {
  return html`<datalist id="layer-names">
      ${(layers?.layers ?? []).map((l) => html`<option value=${l.name}></option>`)}
    </datalist>
    ${field('cutAt', 'Cut at layer', input('cutAt', { list: 'layer-names', placeholder: layers?.recommendedCutAt ?? 'default: below the output layer' }))}
    ${field('freeze', 'Freeze', input('freeze', { list: 'freeze-options', placeholder: 'all' }), {
      hint: 'all, none, a number of layers, or a layer name',
    })}
    <datalist id="freeze-options">
      <option value="all"></option>
      <option value="none"></option>
    </datalist>`;
}

/**
 * The input size and channels (images only).
 * @param {{ ctl: Controls }} props
 */
function InputFields({ ctl: { field, input } }) {
  return html`<div class="row">
    ${field('inputWidth', 'Input width × height', html`<span class="pair">${input('inputWidth', { inputmode: 'numeric', placeholder: 'auto', 'aria-label': 'Input width' })}<span aria-hidden="true">×</span>${input('inputHeight', { id: 'job-inputHeight', 'aria-label': 'Input height', inputmode: 'numeric', placeholder: 'auto' })}</span>`)}
    ${field('channels', 'Channels', input('channels', { inputmode: 'numeric', placeholder: 'auto' }))}
  </div>`;
}

/**
 * The dataset, the base (or the architecture from scratch), the cut, the head and the input.
 * @param {{
 *   ctl: Controls, images: boolean, datasets: Dataset[], bases: BaseModel[], models: ModelSummary[],
 *   layers: LayerListing | undefined,
 * }} props
 */
export function DataFieldset({ ctl, images, datasets, bases, models, layers }) {
  const { f, field } = ctl;
  return html`<fieldset>
    <legend>Data and base</legend>
    ${field('datasetId', 'Dataset', html`<${DatasetSelect} ctl=${ctl} datasets=${datasets} />`)}
    ${field(
      'base',
      'Base model',
      html`<${BaseSelect} ctl=${ctl} bases=${bases} models=${models} />`,
      f.base
        ? { hint: html`<a href=${`#/base-models/${f.base}`}>Choose the cut in the layer table</a>` }
        : {},
    )}
    ${
      !f.base &&
      field(
        'architecture',
        'Architecture (layers trained from scratch, JSON)',
        html`<${JsonArea} ctl=${ctl} name="architecture" rows="7" />`,
        { wide: true },
      )
    }
    ${f.base && html`<${CutFields} ctl=${ctl} layers=${layers} />`}
    ${field(
      'head',
      'New head layers (JSON; the output layer is added for you)',
      html`<${JsonArea} ctl=${ctl} name="head" rows="5" />`,
      { wide: true },
    )}
    ${images && html`<${InputFields} ctl=${ctl} />`}
  </fieldset>`;
}

/**
 * Optimizer, learning rate, epochs, batch size, validation split and the two callbacks.
 * @param {{ ctl: Controls }} props
 */
export function TrainingFieldset({ ctl: { f, set, field, input, check } }) {
  return html`<fieldset>
    <legend>Training</legend>
    <div class="row">
      ${field(
        'optimizer',
        'Optimizer',
        html`<select id="job-optimizer" value=${f.optimizer} onChange=${set('optimizer')}>
          ${['adam', 'sgd', 'rmsprop', 'adagrad'].map((o) => html`<option value=${o} selected=${o === f.optimizer}>${o}</option>`)}
        </select>`,
      )}
      ${field('learningRate', 'Learning rate', input('learningRate', { inputmode: 'decimal' }))}
    </div>
    <div class="row">
      ${field('epochs', 'Epochs', input('epochs', { inputmode: 'numeric' }))}
      ${field('batchSize', 'Batch size', input('batchSize', { inputmode: 'numeric' }))}
      ${field('validationSplit', 'Validation split', input('validationSplit', { inputmode: 'decimal' }))}
    </div>
    <div class="row">
      ${field(
        'reduceLr',
        'Reduce LR on plateau',
        html`<span class="pair"
          >${check('reduceLr', 'on')}
          ${input('reduceLrFactor', { id: 'job-reduceLrFactor', 'aria-label': 'factor', disabled: !f.reduceLr, inputmode: 'decimal' })}
          ${input('reduceLrPatience', { id: 'job-reduceLrPatience', 'aria-label': 'patience', disabled: !f.reduceLr, inputmode: 'numeric' })}</span
        >`,
        { hint: 'factor, patience (epochs)' },
      )}
      ${field(
        'earlyStopping',
        'Early stopping',
        html`<span class="pair"
          >${check('earlyStopping', 'on')}
          ${input('earlyStoppingPatience', { id: 'job-earlyStoppingPatience', 'aria-label': 'patience', disabled: !f.earlyStopping, inputmode: 'numeric' })}</span
        >`,
        { hint: 'patience (epochs)' },
      )}
    </div>
  </fieldset>`;
}

/**
 * How accuracy is estimated: the method, its folds and the learning curve.
 * @param {{ ctl: Controls }} props
 */
export function EvaluationFieldset({ ctl: { f, set, field, input, check } }) {
  return html`<fieldset>
    <legend>Evaluation</legend>
    <div class="row">
      ${field(
        'evaluationMethod',
        'Estimate accuracy by',
        html`<select id="job-evaluationMethod" value=${f.evaluationMethod} onChange=${set('evaluationMethod')}>
          ${EVALUATION_METHODS.map(([v, label]) => html`<option value=${v} selected=${v === f.evaluationMethod}>${label}</option>`)}
        </select>`,
        {
          hint: 'cross-validation trains one model per fold, then the returned model on every example',
        },
      )}
      ${field('folds', 'Folds', input('folds', { inputmode: 'numeric', disabled: !['auto', 'cross-validation'].includes(f.evaluationMethod) }))}
      ${field('learningCurve', 'Learning curve', check('learningCurve', 'on'), { hint: 'would more data help?' })}
    </div>
  </fieldset>`;
}

/**
 * Unfreezing the top of the base once the head has trained (with a base only).
 * @param {{ ctl: Controls }} props
 */
export function FineTuneFieldset({ ctl: { f, field, input, check } }) {
  return html`<fieldset>
    <legend>Fine-tuning</legend>
    ${check('fineTune', 'Unfreeze the top of the base after the head has trained')}
    ${
      f.fineTune &&
      html`<div class="row">
        ${field('unfreezeFrom', 'Unfreeze from layer', input('unfreezeFrom', { list: 'layer-names' }))}
        ${field(
          'fineTune',
          'Epochs, learning rate',
          html`<span class="pair">
            ${input('fineTuneEpochs', { id: 'job-fineTune', 'aria-label': 'fine-tune epochs', inputmode: 'numeric' })}
            ${input('fineTuneLearningRate', { id: 'job-fineTuneLearningRate', 'aria-label': 'fine-tune learning rate', inputmode: 'decimal' })}</span
          >`,
        )}
      </div>`
    }
  </fieldset>`;
}

/**
 * Augmentation (images only), the model's name and the seed.
 * @param {{ ctl: Controls, images: boolean }} props
 */
export function OutputFieldset({ ctl: { field, input, check }, images }) {
  return html`<fieldset>
    <legend>${images ? 'Augmentation and output' : 'Output'}</legend>
    ${
      images &&
      html`<div class="row">
        ${field('rotateDegrees', 'Random rotation (degrees)', input('rotateDegrees', { inputmode: 'numeric' }))}
        <div class="field">${check('flipHorizontal', 'Random horizontal flips')}</div>
      </div>`
    }
    <div class="row">
      ${field('modelName', 'Model name (versions are numbered)', input('modelName', { placeholder: 'optional' }))}
      ${field('seed', 'Seed', input('seed', { inputmode: 'numeric', placeholder: 'random' }))}
    </div>
  </fieldset>`;
}
