// Batch predictions: the list with a form to start one, and a batch's page followed live.
import { useEffect, useState } from 'preact/hooks';
import { SEE_MODEL, can, whoAmI } from '../access.js';
import { api, upload } from '../api.js';
import { useLiveRecord } from '../live.js';
import {
  DownloadLink,
  DropZone,
  ErrorNote,
  Loading,
  StateBadge,
  Table,
  fmt,
  html,
  inputValue,
  navigate,
  useError,
  useLoad,
} from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { BatchPrediction, ModelSummary, Page } from '../types.js' */

const LIVE = ['queued', 'running'];

/** @param {BatchPrediction} b */
function inputText(b) {
  return b.input.kind === 'dataset'
    ? `dataset ${b.input.datasetId}`
    : `${b.input.filename} (${b.input.format})`;
}

/** @param {BatchPrediction} b */
function progressText(b) {
  if (b.counts) return `${fmt.int(b.counts.total)} scored, ${fmt.int(b.counts.errors)} unreadable`;
  const p = b.progress;
  if (!p) return b.state === 'queued' ? 'waiting for a worker' : '';
  return `${fmt.int(p.processed)} of ${fmt.int(p.total)}`;
}

/**
 * The project's models to pick from (read): those the key may predict with.
 * @param {{ value: string, onChange: (value: string) => void }} props
 */
function ModelSelect({ value, onChange }) {
  /** @type {Loaded<Page<ModelSummary>>} */
  const models = useLoad(() => api('/v1/models?limit=100'), []);
  const mine = can('admin') ? undefined : whoAmI()?.models;
  /** @param {ModelSummary} m a model the key may predict with (by id or name) */
  const allowed = (m) => !mine || mine.includes(m.id) || (m.name != null && mine.includes(m.name));
  return html`<select id="batch-model" required value=${value} onChange=${inputValue(onChange)}>
    <option value="">Choose a model</option>
    ${(models.data?.items ?? [])
      .filter(allowed)
      .map((m) => html`<option value=${m.id}>${m.name ? `${m.name} v${m.version}` : m.id}</option>`)}
  </select>`;
}

/**
 * The model to score with: picked from the project's models with the read role; else from the
 * models the key may predict with, or typed in (a name, name@alias or an id).
 * @param {{ value: string, onChange: (value: string) => void }} props
 */
function ModelChoice({ value, onChange }) {
  if (can('read')) return html`<${ModelSelect} value=${value} onChange=${onChange} />`;
  const mine = whoAmI()?.models;
  if (!mine) {
    return html`<input id="batch-model" required placeholder="name, name@alias or m_…" value=${value} onInput=${inputValue(onChange)} />`;
  }
  return html`<select id="batch-model" required value=${value} onChange=${inputValue(onChange)}>
    <option value="">Choose a model</option>
    ${mine.map((m) => html`<option value=${m}>${m}</option>`)}
  </select>`;
}

/** Model, optional top-K, and the file: posted as multipart with an upload progress bar. */
function NewBatch() {
  const [modelId, setModelId] = useState('');
  const [topK, setTopK] = useState('3');
  const [file, setFile] = useState(/** @type {File | undefined} */ (undefined));
  const [sent, setSent] = useState(/** @type {number | undefined} */ (undefined));
  const [error, setError] = useError();
  /** @param {Event} e */
  const start = async (e) => {
    e.preventDefault();
    setError(undefined);
    if (!file) return;
    const form = new FormData();
    form.append('modelId', modelId);
    form.append('topK', topK);
    form.append('file', file);
    try {
      setSent(0);
      /** @type {BatchPrediction} */
      const batch = await upload('/v1/batch-predictions', form, setSent);
      navigate(`#/batch-predictions/${batch.id}`);
    } catch (err) {
      setError(err);
      setSent(undefined);
    }
  };
  return html`<section class="card" aria-labelledby="new-batch-title">
    <h2 id="new-batch-title">Score a file</h2>
    <p class="muted">
      A zip of images (or .txt files), a JSONL of instances, or a CSV with a <code>text</code> column or the model's
      feature columns. Each input gets one line of results; an input that can't be read gets an error line.
    </p>
    <form onSubmit=${start}>
      <div class="field">
        <label for="batch-model">Model</label>
        <${ModelChoice} value=${modelId} onChange=${setModelId} />
      </div>
      <div class="field">
        <label for="batch-topk">Top-K</label>
        <input id="batch-topk" type="number" min="1" max="1000" value=${topK} onInput=${inputValue(setTopK)} />
      </div>
      <${DropZone}
        id="batch-file"
        label="Inputs (zip, JSONL or CSV)"
        accept=".zip,.jsonl,.ndjson,.csv"
        onFiles=${(/** @type {File[]} */ files) => setFile(files[0])}
        disabled=${sent !== undefined}
      />
      ${file && html`<p class="small">${file.name}, ${fmt.bytes(file.size)}</p>`}
      ${sent !== undefined && html`<progress max="1" value=${sent}>${Math.round(sent * 100)} %</progress>`}
      <${ErrorNote} error=${error} />
      <button type="submit" class="primary" disabled=${!file || !modelId || sent !== undefined}>Start</button>
    </form>
  </section>`;
}

export function BatchesView() {
  /** @type {Loaded<Page<BatchPrediction>>} */
  const list = useLoad(() => api('/v1/batch-predictions?limit=100'), []);
  const anyLive = list.data?.items.some((b) => LIVE.includes(b.state));
  useEffect(() => {
    if (!anyLive) return undefined;
    const t = setInterval(list.reload, 3000);
    return () => clearInterval(t);
  }, [anyLive, list.reload]);
  return html`<h1>Batch predictions</h1>
    ${can('predict') && html`<${NewBatch} />`}
    <section class="card" aria-labelledby="batches-title">
      <h2 id="batches-title">All batch predictions</h2>
      ${list.loading && !list.data && html`<${Loading} />`}
      <${ErrorNote} error=${list.error} />
      ${
        list.data &&
        (list.data.items.length === 0
          ? html`<p class="muted">No batch predictions yet.</p>`
          : html`<${Table}
              testid="batches-table"
              head=${['Batch', 'State', 'Model', 'Input', 'Progress', 'Created']}
              rows=${list.data.items}
              row=${(/** @type {BatchPrediction} */ b) =>
                html`<td><a href=${`#/batch-predictions/${b.id}`}><code>${b.id}</code></a></td>
                  <td><${StateBadge} state=${b.state} /></td>
                  <td><a href=${`#/models/${b.modelId}`}><code>${b.modelId}</code></a></td>
                  <td>${inputText(b)}</td>
                  <td>${progressText(b)}</td>
                  <td>${fmt.date(b.createdAt)}</td>`}
            />`)
      }
    </section>`;
}

/**
 * Cancel while it runs (predict), the results once they are there, delete once it has ended
 * (admin).
 * @param {{ id: string, batch: BatchPrediction, setRecord: (b: BatchPrediction) => void }} props
 */
function BatchActions({ id, batch, setRecord }) {
  const [actionError, setActionError] = useError();
  const live = LIVE.includes(batch.state);
  /** @param {() => Promise<void>} fn */
  const act = async (fn) => {
    setActionError(undefined);
    try {
      await fn();
    } catch (err) {
      setActionError(err);
    }
  };
  return html`<div class="actions">
      ${
        live &&
        can('predict') &&
        html`<button
          type="button"
          class="danger"
          onClick=${() => act(async () => setRecord(await api(`/v1/batch-predictions/${id}/cancel`, { method: 'POST' })))}
        >
          Cancel
        </button>`
      }
      ${
        batch.results &&
        can(SEE_MODEL) &&
        html`<${DownloadLink} href=${batch.results.csv} filename=${`${id}.csv`} label="Download CSV" testid="download-csv" />
          <${DownloadLink} href=${batch.results.jsonl} filename=${`${id}.jsonl`} label="Download JSONL" testid="download-jsonl" />`
      }
      ${
        !live &&
        can('admin') &&
        html`<button
          type="button"
          onClick=${() =>
            act(async () => {
              await api(`/v1/batch-predictions/${id}`, { method: 'DELETE' });
              navigate('#/batch-predictions');
            })}
        >
          Delete
        </button>`
      }
    </div>
    <${ErrorNote} error=${actionError} />`;
}

/**
 * The model, the input, how far the scoring is, its speed and memory, and how long it took.
 * @param {{ batch: BatchPrediction, events: number }} props
 */
function BatchStatus({ batch, events }) {
  const p = batch.progress;
  const live = LIVE.includes(batch.state);
  const fraction = p?.total ? Math.min(1, p.processed / p.total) : 0;
  const speed = batch.run?.inputsPerSec ?? p?.inputsPerSec;
  const took =
    batch.startedAt && batch.finishedAt
      ? Date.parse(batch.finishedAt) - Date.parse(batch.startedAt)
      : undefined;
  return html`<section
    class="card"
    aria-labelledby="batch-status-title"
    data-testid="batch-status"
    data-state=${batch.state}
    data-sse-events=${events}
  >
    <h2 id="batch-status-title">Status</h2>
    <dl class="facts">
      <dt>Model</dt>
      <dd><a href=${`#/models/${batch.modelId}`}><code>${batch.modelId}</code></a> (top ${batch.topK})</dd>
      <dt>Input</dt>
      <dd>${inputText(batch)}${batch.input.kind === 'upload' && batch.input.bytes ? `, ${fmt.bytes(batch.input.bytes)}` : ''}</dd>
      <dt>Scored</dt>
      <dd data-testid="batch-processed">${fmt.int(p?.processed)} of ${fmt.int(p?.total)}</dd>
      <dt>Unreadable inputs</dt>
      <dd>${fmt.int(p?.errors)}</dd>
      <dt>Speed</dt>
      <dd>${speed ? `${Math.round(speed)} inputs/s` : '–'}</dd>
      ${
        batch.run &&
        html`<dt>Peak memory</dt>
          <dd>${fmt.bytes(batch.run.peakRssBytes)} (the scoring process)</dd>`
      }
      <dt>Started</dt>
      <dd>${fmt.date(batch.startedAt)}</dd>
      <dt>Took</dt>
      <dd>${fmt.duration(took)}</dd>
    </dl>
    ${
      live &&
      html`<label class="block" for="batch-progress">Progress</label>
        <progress id="batch-progress" max="1" value=${fraction}>${Math.round(fraction * 100)} %</progress>`
    }
  </section>`;
}

/** @param {{ id: string }} props */
export function BatchView({ id }) {
  /** @type {ReturnType<typeof useLiveRecord<BatchPrediction>>} */
  const { record: batch, setRecord, error, events } = useLiveRecord(`/v1/batch-predictions/${id}`);
  if (error)
    return html`<h1>Batch prediction</h1>
      <${ErrorNote} error=${error} />`;
  if (!batch)
    return html`<h1>Batch prediction <code>${id}</code></h1>
      <${Loading} what="Connecting" />`;
  return html`<nav aria-label="Breadcrumb" class="crumbs">
      <a href="#/batch-predictions">Batch predictions</a> / ${id}
    </nav>
    <h1>Batch prediction <code>${id}</code> <${StateBadge} state=${batch.state} /></h1>
    <${BatchActions} id=${id} batch=${batch} setRecord=${setRecord} />
    ${batch.error && html`<div class="note error" role="alert"><strong>Failed:</strong> ${batch.error}</div>`}
    ${
      batch.failure?.retried &&
      html`<p class="note">Attempt ${batch.failure.attempt} crashed and was retried: ${batch.failure.reason}</p>`
    }
    <${BatchStatus} batch=${batch} events=${events} />`;
}
