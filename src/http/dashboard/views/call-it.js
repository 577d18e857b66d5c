// How a client app or a terminal calls a model: the /v1 and Open Inference Protocol URLs, an
// example request and the CLI's predict command.
import { html } from '../ui.js';
/** @import { Model } from '../types.js' */

/**
 * The one input a request sends, by the model's modality (GET /v2/models/{name} lists them).
 * @param {Model} model
 */
function exampleInput(model) {
  const p = model.preprocessing;
  if (p.kind === 'text')
    return { name: 'text', shape: [1], datatype: 'BYTES', data: ['a sentence to classify'] };
  if (p.kind === 'tabular') {
    const n = p.tabular.features.length;
    return { name: 'input', shape: [1, n], datatype: 'FP32', data: Array(n).fill(0) };
  }
  return { name: 'image', shape: [1], datatype: 'BYTES', data: ['<base64 of an image file>'] };
}

/**
 * What `tlearn predict` takes for the model's modality (README "Command line").
 * @param {Model} model
 */
function cliInput(model) {
  const kind = model.preprocessing.kind;
  if (kind === 'text') return `--text 'a sentence to classify'`;
  if (kind === 'tabular') return '--body request.json';
  return 'image.png more-images/';
}

/**
 * How a client app calls the model: /v1 predict, and the Open Inference Protocol's infer URL
 * for KServe- or Triton-shaped clients (README "Open Inference Protocol (KServe v2)"), and the
 * CLI's predict command (README "Command line").
 * @param {{ model: Model }} props
 */
export function CallIt({ model }) {
  const origin = window.location.origin;
  const path = model.name ? `${model.name}/versions/${model.version}` : model.id;
  const infer = `${origin}/v2/models/${path}/infer`;
  const body = JSON.stringify({ inputs: [exampleInput(model)] });
  return html`<section class="card" aria-labelledby="call-title" data-testid="call-it">
    <h2 id="call-title">Call it</h2>
    <p class="small">
      From a client app: <code>POST ${origin}/v1/models/${model.id}/predict</code>, or with any
      Open Inference Protocol (KServe v2 / Triton) client:
    </p>
    <p><code data-testid="oip-infer-url">POST ${infer}</code></p>
    <p class="small">From a terminal, with the project's CLI:</p>
    <p>
      <code data-testid="cli-predict">tlearn --api ${origin} predict ${model.name ?? model.id} ${cliInput(model)}</code>
    </p>
    <details>
      <summary>Example request</summary>
      <pre><code>curl -s -X POST ${infer} \\
  -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \\
  -d '${body}'</code></pre>
      <p class="small">
        Inputs and outputs (names, datatypes, shapes): <code>GET ${origin}/v2/models/${path}</code>.
      </p>
    </details>
  </section>`;
}
