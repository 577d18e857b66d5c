import { useEffect, useState } from 'preact/hooks';
import { api, apiBlob, apiKey } from '../api.js';
import { Curves } from '../charts.js';
import { Bars, ConfirmButton, DropZone, ErrorNote, Loading, fmt, html, navigate, useLoad } from '../ui.js';
import {
  ClassRecall,
  ConfusionMatrix,
  EvaluationSummary,
  EvaluationWarnings,
  LearningCurve,
  PerClassTable,
  rangeText,
} from './evaluation.js';
import { ReliabilityDiagram } from './reliability.js';
import { CallIt } from './call-it.js';
import { Promotion } from './promotion.js';
import { CapturePanel } from './review.js';

export function ModelsView() {
  const list = useLoad(() => api('/v1/models?limit=100'), []);
  return html`<h1>Models</h1>
    <section class="card" aria-labelledby="models-title">
      <h2 id="models-title">Trained models</h2>
      ${list.loading && !list.data && html`<${Loading} />`}
      <${ErrorNote} error=${list.error} />
      ${
        list.data &&
        (list.data.items.length === 0
          ? html`<p class="muted">No models yet: <a href="#/jobs/new">train one</a>.</p>`
          : html`<div class="table-wrap">
              <table data-testid="models-table">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Version</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Accuracy / MAE</th>
                    <th scope="col">Parameters</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  ${list.data.items.map(
                    (m) =>
                      html`<tr>
                        <td><a href=${`#/models/${m.id}`}>${m.name ?? html`<code>${m.id}</code>`}</a></td>
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
                        <td>${fmt.date(m.createdAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`)
      }
    </section>`;
}

function Download({ model }) {
  const [error, setError] = useState();
  const href = `/v1/models/${model.id}/download`;
  const filename = `${model.name ?? model.id}${model.version ? `-v${model.version}` : ''}.zip`;
  return html`<a
      class="button"
      href=${href}
      download=${filename}
      onClick=${async (e) => {
        // With an API key the browser's own download cannot send it: fetch, then save the blob.
        if (!apiKey.get()) return;
        e.preventDefault();
        try {
          const url = URL.createObjectURL(await apiBlob(href));
          const a = document.createElement('a');
          a.href = url;
          a.download = filename;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        } catch (err) {
          setError(err);
        }
      }}
      >Download (TF.js zip)</a
    >${error && html`<${ErrorNote} error=${error} />`}`;
}

function PredictPanel({ model }) {
  const [file, setFile] = useState();
  const [preview, setPreview] = useState();
  const [text, setText] = useState('');
  const [topK, setTopK] = useState(String(Math.min(5, model.labels.length || 1)));
  const [result, setResult] = useState();
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const kind = model.preprocessing?.kind;
  const features = model.preprocessing?.tabular?.features ?? [];
  const unknownRule = model.evaluation?.unknown;
  /** What the novelty of a prediction means, against the model's threshold. */
  const noveltyText = (result, rule) => {
    if (result.novelty === undefined) {
      return 'No novelty score: this model was trained before them, or without held-out examples, so it never answers unknown.';
    }
    const threshold = rule
      ? ` (threshold ${fmt.num(rule.threshold)}, set to accept ${fmt.pct(rule.acceptRate)} of ${rule.examples} out-of-fold examples of the known classes)`
      : '';
    const verdict = result.unknown
      ? 'unlike the training examples, so do not trust the label.'
      : 'like the training examples.';
    return `Novelty ${fmt.num(result.novelty)}${threshold}: ${verdict}`;
  };

  useEffect(() => () => preview && URL.revokeObjectURL(preview), [preview]);

  const run = async (e) => {
    e?.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      let res;
      const k = Number(topK) || undefined;
      if (kind === 'image') {
        if (!file) throw new Error('choose an image first');
        const form = new FormData();
        if (k) form.append('topK', String(k));
        form.append('file', file, file.name);
        res = await api(`/v1/models/${model.id}/predict`, { method: 'POST', body: form });
      } else if (kind === 'tabular') {
        const values = text
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map(Number);
        res = await api(`/v1/models/${model.id}/predict`, {
          method: 'POST',
          json: { instances: [values], ...(k ? { topK: k } : {}) },
        });
      } else {
        if (!text.trim()) throw new Error('type a text first');
        res = await api(`/v1/models/${model.id}/predict`, {
          method: 'POST',
          json: { instances: [{ text }], ...(k ? { topK: k } : {}) },
        });
      }
      setResult(res.predictions[0]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const choose = (files) => {
    const f = files[0];
    setFile(f);
    setResult(undefined);
    setPreview(URL.createObjectURL(f));
  };

  return html`<section class="card" aria-labelledby="predict-title" data-testid="predict-panel">
    <h2 id="predict-title">Try it</h2>
    <form onSubmit=${run}>
      ${
        kind === 'image' &&
        html`<div class="predict-input">
          <${DropZone}
            id="predict-file"
            label="Drop an image here, or choose one"
            accept="image/*"
            onFiles=${choose}
          />
          ${preview && html`<img class="predict-preview" src=${preview} alt=${`the chosen image, ${file?.name}`} />`}
        </div>`
      }
      ${
        kind === 'tabular' &&
        html`<div class="field wide">
          <label for="predict-text">Feature values (${features.join(', ')})</label>
          <input
            id="predict-text"
            value=${text}
            onInput=${(e) => setText(e.currentTarget.value)}
            placeholder="comma-separated numbers"
          />
        </div>`
      }
      ${
        kind !== 'image' &&
        kind !== 'tabular' &&
        html`<div class="field wide">
          <label for="predict-text">Text</label>
          <textarea
            id="predict-text"
            rows="3"
            value=${text}
            onInput=${(e) => setText(e.currentTarget.value)}
            placeholder="a sentence or a paragraph to classify"
          ></textarea>
          ${
            kind === 'text' &&
            html`<p class="small">
              ${
                model.preprocessing.text.tokenizer === 'sentence-encoder'
                  ? `Encoded by the sentence encoder (${model.preprocessing.text.encoder.catalog ?? model.preprocessing.text.encoder.baseModelId}, first ${model.preprocessing.text.encoder.maxTokens} tokens), then classified by the trained head.`
                  : `Words (lowercased) looked up in the model's vocabulary of ${model.preprocessing.text.vocabularySize} ids, first ${model.preprocessing.text.maxLength} words.`
              }
            </p>`
          }
        </div>`
      }
      <div class="row bottom">
        ${
          model.task === 'classification' &&
          html`<div class="field">
            <label for="predict-topk">Top K</label>
            <input
              id="predict-topk"
              inputmode="numeric"
              value=${topK}
              onInput=${(e) => setTopK(e.currentTarget.value)}
            />
          </div>`
        }
        <div class="field end">
          <button type="submit" class="primary" disabled=${busy || (kind === 'image' && !file)}>
            ${busy ? 'Predicting…' : 'Predict'}
          </button>
        </div>
      </div>
    </form>
    <${ErrorNote} error=${error} />
    ${
      result &&
      html`<div role="status" data-testid="prediction">
        ${
          result.label !== undefined
            ? html`<p class="prediction">
                  Prediction:${' '}
                  <strong data-testid="predicted-label">${result.label}</strong>
                  ${` (${fmt.pct(result.score)} calibrated)`}
                  ${
                    result.unknown &&
                    html` <span
                      class="badge state-failed"
                      data-testid="unknown-badge"
                      title="Its features are unlike every training example: it is likely none of the model's classes"
                      >unknown</span
                    >`
                  }
                </p>
                <p class=${result.novelty === undefined ? 'small muted' : 'small'} data-testid="novelty">
                  ${noveltyText(result, unknownRule)}
                </p>
                <${Bars}
                  label="Top-K scores"
                  testid="topk-bars"
                  max=${1}
                  format=${fmt.pct}
                  items=${result.topK.map((t) => ({ label: t.label, value: t.score }))}
                />`
            : html`<p class="prediction">
                Predicted value:${' '}
                <strong data-testid="predicted-label"
                  >${Array.isArray(result.value) ? result.value.map((v) => fmt.num(v)).join(', ') : fmt.num(result.value)}</strong
                >
              </p>`
        }
      </div>`
    }
    <${ReliabilityDiagram} calibration=${model.evaluation?.calibration} />
  </section>`;
}

function baseLink(base) {
  if (!base) return 'none (trained from scratch)';
  if (base.baseModelId)
    return html`<a href=${`#/base-models/${base.baseModelId}`}><code>${base.baseModelId}</code></a>`;
  return html`<a href=${`#/models/${base.modelId}`}><code>${base.modelId}</code></a>`;
}

/** Per-class figures, the confusion matrix and the learning curve of a classifier. */
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

export function ModelView({ id }) {
  const m = useLoad(() => api(`/v1/models/${id}`), [id]);
  const [error, setError] = useState();
  if (m.loading && !m.data) return html`<${Loading} />`;
  if (m.error)
    return html`<h1>Model</h1>
      <${ErrorNote} error=${m.error} />`;
  const model = m.data;
  const ev = model.evaluation;
  const title = model.name ? `${model.name} v${model.version}` : model.id;
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="#/models">Models</a> / ${title}</nav>
    <h1>${title}</h1>
    <div class="actions">
      <${Download} model=${model} />
      <a class="button" href=${`#/base-models/${model.id}`}>Layers (use as a base)</a>
      <${ConfirmButton}
        label="Delete model"
        onConfirm=${async () => {
          try {
            await api(`/v1/models/${model.id}`, { method: 'DELETE' });
            navigate('#/models');
          } catch (err) {
            setError(err);
          }
        }}
      />
    </div>
    <${ErrorNote} error=${error} />
    <div class="grid-2">
      <section class="card" aria-labelledby="eval-title">
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
      </section>
      <${PredictPanel} model=${model} />
    </div>
    <${CallIt} model=${model} />
    ${ev?.task === 'classification' && html`<${ClassificationDetails} ev=${ev} labels=${model.labels} />`}
    ${model.name && model.task === 'classification' && html`<${Promotion} model=${model} />`}
    ${model.task === 'classification' && html`<${CapturePanel} model=${model} />`}
    <section class="card" aria-labelledby="model-curves-title">
      <h2 id="model-curves-title">Training curves</h2>
      <${Curves} history=${model.history} testid="model-curves" />
    </section>
    <section class="card" aria-labelledby="lineage-title">
      <h2 id="lineage-title">Lineage</h2>
      <dl class="facts" data-testid="lineage">
        <dt>Job</dt>
        <dd>
          ${model.lineage.jobId ? html`<a href=${`#/jobs/${model.lineage.jobId}`}><code>${model.lineage.jobId}</code></a>` : '–'}
        </dd>
        <dt>Dataset</dt>
        <dd>
          ${model.lineage.datasetId ? html`<a href=${`#/datasets/${model.lineage.datasetId}`}><code>${model.lineage.datasetId}</code></a>` : '–'}
          ${
            model.lineage.datasetParentId &&
            html` (a version of <a href=${`#/datasets/${model.lineage.datasetParentId}`}><code>${model.lineage.datasetParentId}</code></a>)`
          }
        </dd>
        <dt>Base</dt>
        <dd>${baseLink(model.lineage.base)}</dd>
      </dl>
      ${
        model.lineage.spec &&
        html`<details>
          <summary>Job spec</summary>
          <pre><code>${JSON.stringify(model.lineage.spec, null, 2)}</code></pre>
        </details>`
      }
    </section>`;
}
