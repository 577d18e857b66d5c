// Models for a key that can predict but not read (a client app's key; README "Projects and
// keys"): it cannot list models or read a model's page, so it opens a model by name (its key's
// models when the key names them) and predicts with what the model's Open Inference Protocol
// metadata (GET /v2/models/{name}, which predicting may read) says it takes.
import { useState } from 'preact/hooks';
import { NoAccess, whoAmI } from '../access.js';
import { api } from '../api.js';
import { ErrorNote, Loading, html, inputValue, navigate, useLoad } from '../ui.js';
import { CallIt } from './call-it.js';
import { PredictPanel } from './predict.js';
/** @import { Loaded } from '../ui.js' */
/** @import { Model } from '../types.js' */

/** @typedef {{ name: string, datatype: string, shape: number[] }} Tensor */
/** @typedef {{ name: string, versions?: string[], platform: string, inputs: Tensor[], outputs: Tensor[] }} OipModel */

/** @param {string} ref a model's name, name@alias, name@version or id, as typed */
const modelHref = (ref) => `#/models/${encodeURIComponent(ref)}`;

/**
 * The fields of a model the Try it panel reads, from its OIP metadata: the modality from its
 * inputs (`text`; `image`; else rows of `input` features), the task and class count from its
 * outputs. Class names and feature names are not in the metadata: the answer carries the label.
 * @param {string} ref
 * @param {OipModel} meta
 * @returns {Model}
 */
export function modelFromMetadata(ref, meta) {
  const inputs = meta.inputs.map((i) => i.name);
  const kind = inputs.includes('text') ? 'text' : inputs.includes('image') ? 'image' : 'tabular';
  const probabilities = meta.outputs.find((o) => o.name === 'probabilities');
  const features = meta.inputs.find((i) => i.name === 'input')?.shape[1] ?? 0;
  const numbered = (/** @type {number} */ n, /** @type {string} */ what) =>
    Array.from({ length: n }, (_, i) => `${what} ${i + 1}`);
  return /** @type {Model} */ (
    /** @type {unknown} */ ({
      id: ref,
      task: probabilities ? 'classification' : 'regression',
      labels: numbered(probabilities?.shape[1] ?? 0, 'class'),
      preprocessing:
        kind === 'tabular' ? { kind, tabular: { features: numbered(features, 'feature') } } : { kind },
    })
  );
}

/** The models page of a key without the read role: the models it may predict with, or a name to open. */
export function ModelPicker() {
  const mine = whoAmI()?.models;
  const [ref, setRef] = useState('');
  return html`<h1>Models</h1>
    <${NoAccess} access="read" what="the project's models are not listed, but this key can predict with them" />
    <section class="card" aria-labelledby="pick-title" data-testid="model-picker">
      <h2 id="pick-title">Predict with a model</h2>
      ${
        mine
          ? html`<ul>
              ${mine.map((m) => html`<li><a href=${modelHref(m)}>${m}</a></li>`)}
            </ul>`
          : html`<form
              class="inline"
              onSubmit=${(/** @type {Event} */ e) => {
                e.preventDefault();
                if (ref.trim()) navigate(modelHref(ref.trim()));
              }}
            >
              <div class="field grow">
                <label for="model-ref">Model name, name@alias or id</label>
                <input id="model-ref" required value=${ref} onInput=${inputValue(setRef)} />
              </div>
              <button type="submit" class="primary">Open</button>
            </form>`
      }
    </section>`;
}

/**
 * A model's page for a key that can predict but not read: the Try it form and how to call it.
 * @param {{ id: string }} props the model's name, name@alias or id, as in the URL
 */
export function PredictOnlyView({ id }) {
  const ref = decodeURIComponent(id);
  /** @type {Loaded<OipModel>} */
  const meta = useLoad(() => api(`/v2/models/${encodeURIComponent(ref)}`), [ref]);
  if (meta.loading && !meta.data) return html`<${Loading} />`;
  if (meta.error || !meta.data)
    return html`<h1>Model</h1>
      <${ErrorNote} error=${meta.error} />`;
  const model = modelFromMetadata(ref, meta.data);
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="#/models">Models</a> / ${ref}</nav>
    <h1>${ref}</h1>
    <${NoAccess} access="read" what="the model's evaluation and history are not shown; it can predict with it" />
    <${PredictPanel} model=${model} />
    <${CallIt} model=${model} />`;
}
