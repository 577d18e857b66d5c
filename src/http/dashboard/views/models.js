// The models: the list, and a model's page (its evaluation, a prediction to try, how to call
// it, its aliases, capture, curves and lineage).
import { can } from '../access.js';
import { api } from '../api.js';
import { Curves } from '../charts.js';
import {
  ConfirmButton,
  DownloadLink,
  ErrorNote,
  Loading,
  Table,
  fmt,
  html,
  navigate,
  useError,
  useLoad,
} from '../ui.js';
import {
  ClassRecall,
  ConfusionMatrix,
  EvaluationSummary,
  EvaluationWarnings,
  LearningCurve,
  PerClassTable,
  rangeText,
} from './evaluation.js';
import { CallIt } from './call-it.js';
import { PredictPanel } from './predict.js';
import { Promotion } from './promotion.js';
import { CapturePanel } from './review.js';
/** @import { Loaded } from '../ui.js' */
/** @import { ClassificationEvaluation, Model, ModelSummary, Page } from '../types.js' */

/**
 * A row of the models table: name, version, kind, labels, the headline figure and its interval.
 * @param {ModelSummary} m
 */
function modelRow(m) {
  return html`<td><a href=${`#/models/${m.id}`}>${m.name ?? html`<code>${m.id}</code>`}</a></td>
    <td>${m.version ? `v${m.version}` : '–'}</td>
    <td>${m.kind} ${m.task}</td>
    <td>
      ${m.labels.length > 6 ? `${m.labels.slice(0, 6).join(', ')}, …` : m.labels.join(', ')}
    </td>
    <td>
      ${m.metrics.accuracy !== undefined ? fmt.pct(m.metrics.accuracy) : fmt.num(m.metrics.mae)}
      ${
        m.metrics.accuracyLow !== undefined &&
        html`${' '}<span class="muted small">
          (${rangeText({ low: m.metrics.accuracyLow, high: m.metrics.accuracyHigh })})</span
        >`
      }
      ${m.metrics.examples !== undefined && html`<span class="muted small"> n=${m.metrics.examples}</span>`}
    </td>
    <td>${fmt.int(m.params.total)}</td>
    <td>${fmt.date(m.createdAt)}</td>`;
}

export function ModelsView() {
  /** @type {Loaded<Page<ModelSummary>>} */
  const list = useLoad(() => api('/v1/models?limit=100'), []);
  return html`<h1>Models</h1>
    <section class="card" aria-labelledby="models-title">
      <h2 id="models-title">Trained models</h2>
      ${list.loading && !list.data && html`<${Loading} />`}
      <${ErrorNote} error=${list.error} />
      ${
        list.data &&
        (list.data.items.length === 0
          ? html`<p class="muted">No models yet${can('train') ? html`: <a href="#/jobs/new">train one</a>` : ''}.</p>`
          : html`<${Table}
              testid="models-table"
              head=${['Model', 'Version', 'Kind', 'Labels', 'Accuracy / MAE', 'Parameters', 'Created']}
              rows=${list.data.items}
              row=${modelRow}
            />`)
      }
    </section>`;
}

/**
 * The model's zip, named after it.
 * @param {{ model: Model }} props
 */
function Download({ model }) {
  const filename = `${model.name ?? model.id}${model.version ? `-v${model.version}` : ''}.zip`;
  return html`<${DownloadLink} href=${`/v1/models/${model.id}/download`} filename=${filename} label="Download (TF.js zip)" />`;
}

/** @param {Model['lineage']['base']} base */
function baseLink(base) {
  if (!base) return 'none (trained from scratch)';
  if ('baseModelId' in base)
    return html`<a href=${`#/base-models/${base.baseModelId}`}><code>${base.baseModelId}</code></a>`;
  return html`<a href=${`#/models/${base.modelId}`}><code>${base.modelId}</code></a>`;
}

/**
 * Per-class figures, the confusion matrix and the learning curve of a classifier.
 * @param {{ ev: ClassificationEvaluation, labels: string[] }} props
 */
function ClassificationDetails({ ev, labels }) {
  return html`<div class="grid-2">
      <section class="card" aria-labelledby="pc-title">
        <h2 id="pc-title">Per class</h2>
        <${ClassRecall} ev=${ev} />
        <details>
          <summary>Precision, recall and F1 per class</summary>
          <${PerClassTable} ev=${ev} />
        </details>
      </section>
      <section class="card" aria-labelledby="cm-title">
        <h2 id="cm-title">Confusion matrix</h2>
        <${ConfusionMatrix}
          labels=${labels}
          matrix=${ev.confusionMatrix}
          examples=${ev.examples}
          method=${ev.method}
        />
      </section>
    </div>
    ${
      ev.learningCurve?.length
        ? html`<section class="card" aria-labelledby="lc-title">
            <h2 id="lc-title">Learning curve: would more data help?</h2>
            <${LearningCurve} curve=${ev.learningCurve} forecast=${ev.forecast} />
          </section>`
        : null
    }`;
}

/**
 * The evaluation's headline and warnings, and the model's facts.
 * @param {{ model: Model }} props
 */
function EvaluationCard({ model }) {
  const ev = model.evaluation;
  return html`<section class="card" aria-labelledby="eval-title">
    <h2 id="eval-title">Evaluation</h2>
    ${!ev && html`<p class="muted">No evaluation was stored with this model.</p>`}
    ${ev && html`<${EvaluationSummary} ev=${ev} /><${EvaluationWarnings} warnings=${ev.warnings} />`}
    <dl class="facts">
      <dt>Id</dt>
      <dd><code>${model.id}</code></dd>
      <dt>Task</dt>
      <dd>${model.task}, ${model.labels.length} labels</dd>
      <dt>Input</dt>
      <dd>${fmt.shape(model.inputShape)}</dd>
      <dt>Parameters</dt>
      <dd>${fmt.int(model.params.total)} (${fmt.int(model.params.trainable)} trainable)</dd>
      <dt>Size</dt>
      <dd>${fmt.bytes(model.sizeBytes)}</dd>
      <dt>Trained</dt>
      <dd>
        ${fmt.date(model.createdAt)} in ${fmt.duration(model.durationMs)} on ${model.backend ?? '–'}
      </dd>
    </dl>
  </section>`;
}

/**
 * Where the model comes from: its job, its dataset (and the dataset's parent), its base, the spec.
 * @param {{ lineage: Model['lineage'] }} props
 */
function Lineage({ lineage }) {
  return html`<section class="card" aria-labelledby="lineage-title">
    <h2 id="lineage-title">Lineage</h2>
    <dl class="facts" data-testid="lineage">
      <dt>Job</dt>
      <dd>
        ${lineage.jobId ? html`<a href=${`#/jobs/${lineage.jobId}`}><code>${lineage.jobId}</code></a>` : '–'}
      </dd>
      <dt>Dataset</dt>
      <dd>
        ${lineage.datasetId ? html`<a href=${`#/datasets/${lineage.datasetId}`}><code>${lineage.datasetId}</code></a>` : '–'}
        ${
          lineage.datasetParentId &&
          html` (a version of <a href=${`#/datasets/${lineage.datasetParentId}`}><code>${lineage.datasetParentId}</code></a>)`
        }
      </dd>
      <dt>Base</dt>
      <dd>${baseLink(lineage.base)}</dd>
    </dl>
    ${
      lineage.spec &&
      html`<details>
        <summary>Job spec</summary>
        <pre><code>${JSON.stringify(lineage.spec, null, 2)}</code></pre>
      </details>`
    }
  </section>`;
}

/**
 * Download and layers (read), and delete (admin).
 * @param {{ model: Model }} props
 */
function ModelActions({ model }) {
  const [error, setError] = useError();
  return html`<div class="actions">
      ${can('read') && html`<${Download} model=${model} />`}
      <a class="button" href=${`#/base-models/${model.id}`}>${can('train') ? 'Layers (use as a base)' : 'Layers'}</a>
      ${
        can('admin') &&
        html`<${ConfirmButton}
          label="Delete model"
          onConfirm=${async () => {
            try {
              await api(`/v1/models/${model.id}`, { method: 'DELETE' });
              navigate('#/models');
            } catch (err) {
              setError(err);
            }
          }}
        />`
      }
    </div>
    <${ErrorNote} error=${error} />`;
}

/** @param {{ id: string }} props */
export function ModelView({ id }) {
  /** @type {Loaded<Model>} */
  const m = useLoad(() => api(`/v1/models/${id}`), [id]);
  if (m.loading && !m.data) return html`<${Loading} />`;
  if (m.error || !m.data)
    return html`<h1>Model</h1>
      <${ErrorNote} error=${m.error} />`;
  const model = m.data;
  const ev = model.evaluation;
  const title = model.name ? `${model.name} v${model.version}` : model.id;
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="#/models">Models</a> / ${title}</nav>
    <h1>${title}</h1>
    <${ModelActions} model=${model} />
    <div class="grid-2">
      <${EvaluationCard} model=${model} />
      ${can('predict') && html`<${PredictPanel} model=${model} />`}
    </div>
    <${CallIt} model=${model} />
    ${ev?.task === 'classification' && html`<${ClassificationDetails} ev=${ev} labels=${model.labels} />`}
    ${model.name && model.task === 'classification' && html`<${Promotion} model=${model} />`}
    ${model.task === 'classification' && html`<${CapturePanel} model=${model} />`}
    <section class="card" aria-labelledby="model-curves-title">
      <h2 id="model-curves-title">Training curves</h2>
      <${Curves} history=${model.history} testid="model-curves" />
    </section>
    <${Lineage} lineage=${model.lineage} />`;
}
