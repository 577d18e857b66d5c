import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { draft } from '../draft.js';
import {
  ARCHITECTURES,
  EVALUATION_METHODS,
  buildSpec,
  errorsAt,
  initialForm,
  takesImageFields,
} from '../spec.js';
import { ErrorNote, html, navigate, useLoad } from '../ui.js';

/** A labelled control with the errors for its spec paths beside it. */
function Field({ id, label, paths, errors, hint, children, wide }) {
  const mine = errorsAt(errors, ...paths);
  return html`<div
    class=${`field${wide ? ' wide' : ''}${mine.length ? ' invalid' : ''}`}
    data-paths=${paths.join(' ')}
  >
    <label for=${id}>${label}</label>
    ${children} ${hint && html`<p class="muted small" id=${`${id}-hint`}>${hint}</p>`}
    ${
      mine.length > 0 &&
      html`<ul class="field-errors" id=${`${id}-errors`} data-testid=${`errors-${id}`}>
        ${mine.map((e) => html`<li>${e.message}</li>`)}
      </ul>`
    }
  </div>`;
}

const FIELD_PATHS = {
  datasetId: ['datasetId'],
  base: ['base'],
  architecture: ['architecture'],
  cutAt: ['cutAt'],
  freeze: ['freeze'],
  head: ['head'],
  inputWidth: ['input.size', '=input'],
  channels: ['input.channels'],
  optimizer: ['compile.optimizer', 'compile.loss', '=compile'],
  learningRate: ['compile.learningRate'],
  epochs: ['fit.epochs'],
  batchSize: ['fit.batchSize'],
  validationSplit: ['fit.validationSplit', '=fit'],
  reduceLr: ['callbacks.reduceLROnPlateau'],
  earlyStopping: ['callbacks.earlyStopping', '=callbacks'],
  fineTune: ['fineTune.epochs', 'fineTune.learningRate', 'fineTune.trainBatchNorm'],
  unfreezeFrom: ['fineTune.unfreezeFrom', '=fineTune'],
  rotateDegrees: ['augment.rotateDegrees', '=augment'],
  flipHorizontal: ['augment.flipHorizontal'],
  evaluationMethod: ['evaluation.method', '=evaluation'],
  folds: ['evaluation.folds', 'evaluation.maxCost'],
  learningCurve: ['evaluation.learningCurve'],
  modelName: ['modelName'],
  seed: ['seed', 'classWeight'],
};

export function NewJobView({ query }) {
  const datasets = useLoad(() => api('/v1/datasets?limit=100'), []);
  const bases = useLoad(() => api('/v1/base-models?limit=100'), []);
  const models = useLoad(() => api('/v1/models?limit=100'), []);
  const [f, setF] = useState(() =>
    initialForm({ ...draft.get(), ...(query.datasetId ? { datasetId: query.datasetId } : {}) }),
  );
  const [apiErrors, setApiErrors] = useState([]);
  const [failure, setFailure] = useState();
  const [busy, setBusy] = useState(false);
  const summary = useRef();

  const set = (key) => (e) => {
    const t = e.currentTarget;
    const value = t.type === 'checkbox' ? t.checked : t.value;
    setF((old) => ({
      ...old,
      [key]: value,
      ...(key === 'architecture' ? { architectureTouched: true } : {}),
    }));
  };

  // Pick the first dataset when none is chosen, and a from-scratch architecture that fits its kind.
  const dsItems = datasets.data?.items ?? [];
  const dataset = dsItems.find((d) => d.id === f.datasetId);
  useEffect(() => {
    if (!f.datasetId && dsItems[0]) setF((old) => ({ ...old, datasetId: dsItems[0].id }));
  }, [dsItems.length]);
  useEffect(() => {
    if (dataset && !f.architectureTouched) {
      setF((old) => ({
        ...old,
        architecture: JSON.stringify(ARCHITECTURES[dataset.kind] ?? ARCHITECTURES.image, null, 2),
      }));
    }
  }, [dataset?.kind]);

  const layers = useLoad(
    () =>
      f.base
        ? api(`${f.base.startsWith('m_') ? '/v1/models' : '/v1/base-models'}/${f.base}/layers`)
        : Promise.resolve(undefined),
    [f.base],
  );
  const layerNames = layers.data?.layers.map((l) => l.name) ?? [];

  // Image datasets take an input size and augmentation; tabular and text ones do not.
  const images = takesImageFields(dataset?.kind);
  const { spec, problems } = useMemo(() => buildSpec(f, dataset?.kind), [f, dataset?.kind]);
  const errors = [...problems, ...apiErrors];
  const known = Object.values(FIELD_PATHS).flat();
  const unplaced = apiErrors.filter((e) => errorsAt([e], ...known).length === 0);

  const submit = async (e) => {
    e.preventDefault();
    setFailure(undefined);
    setApiErrors([]);
    if (problems.length > 0) return;
    setBusy(true);
    try {
      const job = await api('/v1/jobs', { method: 'POST', json: spec });
      draft.clear();
      navigate(`#/jobs/${job.id}`);
    } catch (err) {
      setApiErrors(err.errors ?? []);
      setFailure(err);
      setTimeout(() => summary.current?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const field = (key, label, control, extra = {}) =>
    html`<${Field} id=${`job-${key}`} label=${label} paths=${FIELD_PATHS[key]} errors=${errors} ...${extra}
      >${control}<//
    >`;
  const pathsOf = (key) => FIELD_PATHS[key] ?? [];
  const describedBy = (key) => (errorsAt(errors, ...pathsOf(key)).length ? `job-${key}-errors` : undefined);
  const input = (key, props = {}) =>
    html`<input
      id=${`job-${key}`}
      value=${f[key]}
      onInput=${set(key)}
      aria-invalid=${errorsAt(errors, ...pathsOf(key)).length > 0 ? 'true' : undefined}
      aria-describedby=${describedBy(key)}
      ...${props}
    />`;
  const check = (key, label) =>
    html`<label class="check"
      ><input type="checkbox" id=${`job-${key}`} checked=${f[key]} onChange=${set(key)} /> ${label}</label
    >`;

  return html`<h1>New training job</h1>
    <div class="job-form-layout">
      <form class="card job-form" onSubmit=${submit} novalidate aria-describedby="job-form-help">
        <p id="job-form-help" class="muted">
          Every field starts at the service's default. The spec on the right is what will be sent.
        </p>
        <div ref=${summary} tabindex="-1" class="summary-anchor">
          ${
            failure &&
            html`<div class="note error" role="alert" data-testid="job-errors">
              <strong>The job was not created:</strong>
              ${
                unplaced.length === 0 && apiErrors.length > 0
                  ? ` ${apiErrors.length === 1 ? 'one field needs' : `${apiErrors.length} fields need`} attention (marked below).`
                  : ` ${failure.message}`
              }
              ${
                unplaced.length > 0 &&
                html`<ul>
                  ${unplaced.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
                </ul>`
              }
            </div>`
          }
        </div>

        <fieldset>
          <legend>Data and base</legend>
          ${field(
            'datasetId',
            'Dataset',
            html`<select
              id="job-datasetId"
              value=${f.datasetId}
              onChange=${set('datasetId')}
              aria-describedby=${describedBy('datasetId')}
            >
              ${dsItems.length === 0 && html`<option value="">(upload a dataset first)</option>`}
              ${dsItems.map((d) => html`<option value=${d.id} selected=${d.id === f.datasetId}>${d.name} (${d.kind}, ${d.examples} examples)</option>`)}
            </select>`,
          )}
          ${field(
            'base',
            'Base model',
            html`<select
              id="job-base"
              value=${f.base}
              onChange=${set('base')}
              aria-describedby=${describedBy('base')}
            >
              <option value="" selected=${f.base === ''}>None: train the architecture below from scratch</option>
              <optgroup label="Base models">
                ${(bases.data?.items ?? []).map((b) => html`<option value=${b.id} selected=${b.id === f.base}>${b.name}</option>`)}
              </optgroup>
              <optgroup label="Trained models">
                ${(models.data?.items ?? []).map(
                  (m) =>
                    html`<option value=${m.id} selected=${m.id === f.base}>${m.name ? `${m.name} v${m.version}` : m.id}</option>`,
                )}
              </optgroup>
            </select>`,
            f.base
              ? { hint: html`<a href=${`#/base-models/${f.base}`}>Choose the cut in the layer table</a>` }
              : {},
          )}
          ${
            !f.base &&
            field(
              'architecture',
              'Architecture (layers trained from scratch, JSON)',
              html`<textarea
                id="job-architecture"
                rows="7"
                spellcheck="false"
                value=${f.architecture}
                onInput=${set('architecture')}
                aria-describedby=${describedBy('architecture')}
              ></textarea>`,
              { wide: true },
            )
          }
          ${
            f.base &&
            html`<datalist id="layer-names">
                ${layerNames.map((n) => html`<option value=${n}></option>`)}
              </datalist>
              ${field('cutAt', 'Cut at layer', input('cutAt', { list: 'layer-names', placeholder: layers.data?.recommendedCutAt ?? 'default: below the output layer' }))}
              ${field('freeze', 'Freeze', input('freeze', { list: 'freeze-options', placeholder: 'all' }), {
                hint: 'all, none, a number of layers, or a layer name',
              })}
              <datalist id="freeze-options">
                <option value="all"></option>
                <option value="none"></option>
              </datalist>`
          }
          ${field(
            'head',
            'New head layers (JSON; the output layer is added for you)',
            html`<textarea
              id="job-head"
              rows="5"
              spellcheck="false"
              value=${f.head}
              onInput=${set('head')}
              aria-describedby=${describedBy('head')}
            ></textarea>`,
            { wide: true },
          )}
          ${
            images &&
            html`<div class="row">
              ${field('inputWidth', 'Input width × height', html`<span class="pair">${input('inputWidth', { inputmode: 'numeric', placeholder: 'auto', 'aria-label': 'Input width' })}<span aria-hidden="true">×</span>${input('inputHeight', { id: 'job-inputHeight', 'aria-label': 'Input height', inputmode: 'numeric', placeholder: 'auto' })}</span>`)}
              ${field('channels', 'Channels', input('channels', { inputmode: 'numeric', placeholder: 'auto' }))}
            </div>`
          }
        </fieldset>

        <fieldset>
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
        </fieldset>

        <fieldset>
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
        </fieldset>

        ${
          f.base &&
          html`<fieldset>
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
          </fieldset>`
        }

        <fieldset>
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
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled=${busy || !f.datasetId}>
            ${busy ? 'Creating…' : 'Start training'}
          </button>
          <button
            type="button"
            onClick=${() => {
              draft.clear();
              setF(initialForm({ datasetId: f.datasetId }));
              setApiErrors([]);
              setFailure(undefined);
            }}
          >
            Reset to defaults
          </button>
        </div>
        <${ErrorNote} error=${datasets.error} />
      </form>
      <aside class="card spec-preview" aria-labelledby="spec-title">
        <h2 id="spec-title">Job spec</h2>
        <pre data-testid="spec-json" aria-live="off"><code>${JSON.stringify(spec, null, 2)}</code></pre>
      </aside>
    </div>`;
}
