// A model's "Try it" panel: an image, feature values or a text in, the prediction out with its
// calibrated score, its novelty against the model's threshold and the top-K scores.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Bars, DropZone, ErrorNote, fmt, html, inputValue, useError } from '../ui.js';
import { ReliabilityDiagram } from './reliability.js';
/** @import { Model, Prediction, PredictResponse, UnknownRule } from '../types.js' */

/** @typedef {Extract<Prediction, { label: string }>} Classified */

/**
 * What the novelty of a prediction means, against the model's threshold.
 * @param {Classified} result
 * @param {UnknownRule | undefined} rule
 */
function noveltyText(result, rule) {
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
}

/**
 * The request body for the model's modality: multipart with the image, or JSON instances.
 * @param {Model} model
 * @param {{ file: File | undefined, text: string, k: number | undefined }} input
 */
function predictBody(model, { file, text, k }) {
  const kind = model.preprocessing?.kind;
  if (kind === 'image') {
    if (!file) throw new Error('choose an image first');
    const form = new FormData();
    if (k) form.append('topK', String(k));
    form.append('file', file, file.name);
    return { body: form };
  }
  if (kind === 'tabular') {
    const values = text
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number);
    return { json: { instances: [values], ...(k ? { topK: k } : {}) } };
  }
  if (!text.trim()) throw new Error('type a text first');
  return { json: { instances: [{ text }], ...(k ? { topK: k } : {}) } };
}

/**
 * How a text model reads its input: the sentence encoder, or its own vocabulary of words.
 * @param {{ model: Model }} props
 */
function TextNote({ model }) {
  const p = model.preprocessing;
  // A model seen through its OIP metadata (a predict-only key) has no text settings to show.
  if (p.kind !== 'text' || !p.text) return null;
  return html`<p class="small">
    ${
      p.text.tokenizer === 'sentence-encoder'
        ? `Encoded by the sentence encoder (${p.text.encoder.catalog ?? p.text.encoder.baseModelId}, first ${p.text.encoder.maxTokens} tokens), then classified by the trained head.`
        : `Words (lowercased) looked up in the model's vocabulary of ${p.text.vocabularySize} ids, first ${p.text.maxLength} words.`
    }
  </p>`;
}

/**
 * The input for the model's modality: a drop zone with a preview, feature values, or a text.
 * @param {{
 *   model: Model, file: File | undefined, preview: string | undefined, onFiles: (files: File[]) => void,
 *   text: string, setText: (text: string) => void,
 * }} props
 */
function PredictInput({ model, file, preview, onFiles, text, setText }) {
  const p = model.preprocessing;
  if (p?.kind === 'image') {
    return html`<div class="predict-input">
      <${DropZone} id="predict-file" label="Drop an image here, or choose one" accept="image/*" onFiles=${onFiles} />
      ${preview && html`<img class="predict-preview" src=${preview} alt=${`the chosen image, ${file?.name}`} />`}
    </div>`;
  }
  if (p?.kind === 'tabular') {
    return html`<div class="field wide">
      <label for="predict-text">Feature values (${p.tabular.features.join(', ')})</label>
      <input id="predict-text" value=${text} onInput=${inputValue(setText)} placeholder="comma-separated numbers" />
    </div>`;
  }
  return html`<div class="field wide">
    <label for="predict-text">Text</label>
    <textarea
      id="predict-text"
      rows="3"
      value=${text}
      onInput=${inputValue(setText)}
      placeholder="a sentence or a paragraph to classify"
    ></textarea>
    <${TextNote} model=${model} />
  </div>`;
}

/**
 * The answer: the label with its calibrated score, novelty and top-K bars, or the value.
 * @param {{ result: Prediction, rule: UnknownRule | undefined }} props
 */
function PredictionResult({ result, rule }) {
  if (!('label' in result)) {
    return html`<div role="status" data-testid="prediction">
      <p class="prediction">
        Predicted value:${' '}
        <strong data-testid="predicted-label"
          >${Array.isArray(result.value) ? result.value.map((v) => fmt.num(v)).join(', ') : fmt.num(result.value)}</strong
        >
      </p>
    </div>`;
  }
  return html`<div role="status" data-testid="prediction">
    <p class="prediction">
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
      ${noveltyText(result, rule)}
    </p>
    <${Bars}
      label="Top-K scores"
      testid="topk-bars"
      max=${1}
      format=${fmt.pct}
      items=${result.topK.map((t) => ({ label: t.label, value: t.score }))}
    />
  </div>`;
}

/**
 * The panel's state: the chosen file (with its preview), the text, top K, and the answer.
 * @param {Model} model
 */
function usePredict(model) {
  const [file, setFile] = useState(/** @type {File | undefined} */ (undefined));
  const [preview, setPreview] = useState(/** @type {string | undefined} */ (undefined));
  const [text, setText] = useState('');
  const [topK, setTopK] = useState(String(Math.min(5, model.labels.length || 1)));
  const [result, setResult] = useState(/** @type {Prediction | undefined} */ (undefined));
  const [error, setError] = useError();
  const [busy, setBusy] = useState(false);
  useEffect(() => () => preview && URL.revokeObjectURL(preview), [preview]);
  /** @param {Event} [e] */
  const run = async (e) => {
    e?.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const body = predictBody(model, { file, text, k: Number(topK) || undefined });
      /** @type {PredictResponse} */
      const res = await api(`/v1/models/${model.id}/predict`, { method: 'POST', ...body });
      setResult(res.predictions[0]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  /** @param {File[]} files */
  const choose = ([f]) => {
    if (!f) return;
    setFile(f);
    setResult(undefined);
    setPreview(URL.createObjectURL(f));
  };
  return { file, preview, text, setText, topK, setTopK, result, error, busy, run, choose };
}

/** @param {{ model: Model }} props */
export function PredictPanel({ model }) {
  const p = usePredict(model);
  const kind = model.preprocessing?.kind;
  return html`<section class="card" aria-labelledby="predict-title" data-testid="predict-panel">
    <h2 id="predict-title">Try it</h2>
    <form onSubmit=${p.run}>
      <${PredictInput}
        model=${model}
        file=${p.file}
        preview=${p.preview}
        onFiles=${p.choose}
        text=${p.text}
        setText=${p.setText}
      />
      <div class="row bottom">
        ${
          model.task === 'classification' &&
          html`<div class="field">
            <label for="predict-topk">Top K</label>
            <input id="predict-topk" inputmode="numeric" value=${p.topK} onInput=${inputValue(p.setTopK)} />
          </div>`
        }
        <div class="field end">
          <button type="submit" class="primary" disabled=${p.busy || (kind === 'image' && !p.file)}>
            ${p.busy ? 'Predicting…' : 'Predict'}
          </button>
        </div>
      </div>
    </form>
    <${ErrorNote} error=${p.error} />
    ${p.result && html`<${PredictionResult} result=${p.result} rule=${model.evaluation?.task === 'classification' ? model.evaluation.unknown : undefined} />`}
    <${ReliabilityDiagram} calibration=${model.evaluation?.task === 'classification' ? model.evaluation.calibration : undefined} />
  </section>`;
}
