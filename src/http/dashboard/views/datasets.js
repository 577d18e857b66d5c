// Datasets: the upload form and the list, and a dataset's page (summary, classes, warnings,
// examples, and the advisor's and the audit's cards).
import { useState } from 'preact/hooks';
import { NoAccess, can } from '../access.js';
import { api, upload } from '../api.js';
import { AskAdvisor } from './advisor.js';
import { AskAudit } from './audit.js';
import {
  ApiImage,
  Bars,
  ConfirmButton,
  DropZone,
  ErrorNote,
  Loading,
  Table,
  fmt,
  html,
  inputValue,
  navigate,
  useError,
  useLoad,
} from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { Dataset, Example, ImageExample, Page, TabularRow, TextExample } from '../types.js' */

/** @param {{ onUploaded: (d: Dataset) => void }} props */
function UploadForm({ onUploaded }) {
  const [name, setName] = useState('');
  const [progress, setProgress] = useState(/** @type {number | undefined} */ (undefined));
  const [error, setError] = useError();
  const [file, setFile] = useState(/** @type {File | undefined} */ (undefined));

  /** @param {File} chosen */
  const send = async (chosen) => {
    setError(undefined);
    setProgress(0);
    const form = new FormData();
    if (name.trim()) form.append('name', name.trim());
    form.append('file', chosen, chosen.name);
    try {
      /** @type {Dataset} */
      const created = await upload('/v1/datasets', form, setProgress);
      setName('');
      setFile(undefined);
      onUploaded(created);
    } catch (err) {
      setError(err);
    } finally {
      setProgress(undefined);
    }
  };

  return html`<section class="card" aria-labelledby="upload-title">
    <h2 id="upload-title">Upload a dataset</h2>
    <p class="muted">
      A zip in the folder-per-class layout (<code>cats/1.jpg</code>, <code>dogs/2.png</code>), images with${' '}
      <code>labels.csv</code>, a CSV of numeric features with a <code>label</code> column, or text: a CSV
      or JSONL with <code>text</code> and <code>label</code>, or a zip of class folders of <code>.txt</code> files.
    </p>
    <div class="field">
      <label for="dataset-name">Name (optional)</label>
      <input id="dataset-name" value=${name} onInput=${inputValue(setName)} />
    </div>
    <${DropZone}
      id="dataset-file"
      label="Drop a .zip, .csv or .jsonl here, or choose a file"
      accept=".zip,.csv,.jsonl,application/zip,text/csv,application/jsonl,application/x-ndjson"
      disabled=${progress !== undefined}
      onFiles=${(/** @type {File[]} */ [chosen]) => {
        if (!chosen) return;
        setFile(chosen);
        send(chosen);
      }}
    />
    ${
      progress !== undefined &&
      html`<div class="progress-row">
        <label for="upload-progress">Uploading ${file?.name}</label>
        <progress id="upload-progress" max="1" value=${progress}>${Math.round(progress * 100)} %</progress>
        <span aria-hidden="true">${Math.round(progress * 100)} %</span>
      </div>`
    }
    <${ErrorNote} error=${error} />
  </section>`;
}

/** The project's datasets, each linked to its page. */
function DatasetList() {
  /** @type {Loaded<Page<Dataset>>} */
  const list = useLoad(() => api('/v1/datasets?limit=100'), []);
  return html`<section class="card" aria-labelledby="datasets-title">
    <h2 id="datasets-title">Your datasets</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorNote} error=${list.error} />
    ${
      list.data &&
      (list.data.items.length === 0
        ? html`<p class="muted">No datasets yet${can('train') ? ': upload one above' : ''}.</p>`
        : html`<${Table}
            testid="datasets-table"
            head=${['Name', 'Kind', 'Classes', 'Examples', 'Warnings', 'Created']}
            rows=${list.data.items}
            row=${(/** @type {Dataset} */ d) =>
              html`<td><a href=${`#/datasets/${d.id}`}>${d.name}</a></td>
                <td>${d.kind} ${d.task}</td>
                <td>${d.classes.length}</td>
                <td>${fmt.int(d.examples)}</td>
                <td>${d.warnings.length || ''}</td>
                <td>${fmt.date(d.createdAt)}</td>`}
          />`)
    }
  </section>`;
}

/** The upload form (train) and the list (read); a note for what the key's roles leave out. */
export function DatasetsView() {
  return html`<h1>Datasets</h1>
    ${can('train') && html`<${UploadForm} onUploaded=${(/** @type {Dataset} */ d) => navigate(`#/datasets/${d.id}`)} />`}
    ${can('read') ? html`<${DatasetList} />` : html`<${NoAccess} access="read" what="the project's datasets are not listed" />`}`;
}

/**
 * A few examples of each class (image datasets of up to 12 classes, so that every class shows),
 * else the first page.
 * @param {Dataset} dataset
 * @returns {Promise<Page<Example>>}
 */
async function loadExamples(dataset) {
  const classes = dataset.classes.map((c) => c.name);
  if (dataset.kind !== 'image' || classes.length === 0 || classes.length > 12) {
    return api(`/v1/datasets/${dataset.id}/examples?limit=24`);
  }
  const per = Math.max(2, Math.floor(36 / classes.length));
  /**
   * @param {string} label
   * @returns {Promise<Page<Example>>}
   */
  const ofClass = (label) =>
    api(`/v1/datasets/${dataset.id}/examples?limit=${per}&label=${encodeURIComponent(label)}`);
  const pages = await Promise.all(classes.map(ofClass));
  return { items: pages.flatMap((p) => p.items) };
}

/** @param {{ dataset: Dataset, items: ImageExample[] }} props */
function Thumbnails({ dataset, items }) {
  return html`<ul class="thumbs" data-testid="thumbnails">
    ${items.map(
      (e) =>
        html`<li>
          <${ApiImage} src=${`/v1/datasets/${dataset.id}/examples/${e.id}`} alt=${`${e.label}: ${e.file}`} />
          <span class="small">${e.label}</span>
        </li>`,
    )}
  </ul>`;
}

/** @param {{ dataset: Dataset }} props */
function Examples({ dataset }) {
  const examples = useLoad(() => loadExamples(dataset), [dataset.id]);
  if (examples.loading && !examples.data) return html`<${Loading} what="Loading examples" />`;
  if (examples.error || !examples.data) return html`<${ErrorNote} error=${examples.error} />`;
  const items = examples.data.items;
  if (dataset.kind === 'image') {
    return html`<${Thumbnails} dataset=${dataset} items=${/** @type {ImageExample[]} */ (items)} />`;
  }
  if (dataset.kind === 'text') {
    return html`<${Table}
      testid="text-examples"
      head=${['source', 'label', 'split', 'text']}
      rows=${items}
      row=${(/** @type {TextExample} */ r) =>
        html`<td>${r.ref}</td>
          <td>${r.label}</td>
          <td>${r.split}</td>
          <td>${r.text.length > 200 ? `${r.text.slice(0, 200)}…` : r.text}</td>`}
    />`;
  }
  return html`<${Table}
    head=${['row', 'label', 'split', ...(dataset.features ?? [])]}
    rows=${items}
    row=${(/** @type {TabularRow} */ r) =>
      html`<td>${r.row}</td>
        <td>${r.label}</td>
        <td>${r.split}</td>
        ${r.features.map((v) => html`<td>${fmt.num(v, 3)}</td>`)}`}
  />`;
}

/**
 * Id, kind, size, split, the shape of its examples, source and date.
 * @param {{ d: Dataset }} props
 */
function SummaryCard({ d }) {
  const shape = d.exampleShape;
  return html`<section class="card" aria-labelledby="summary-title">
    <h2 id="summary-title">Summary</h2>
    <dl class="facts">
      <dt>Id</dt>
      <dd><code>${d.id}</code></dd>
      <dt>Kind</dt>
      <dd>${d.kind} ${d.task}</dd>
      <dt>Examples</dt>
      <dd>${fmt.int(d.examples)}</dd>
      <dt>Split</dt>
      <dd>
        train ${d.split.counts.train}, validation ${d.split.counts.validation}, test ${d.split.counts.test}${d.split.provided ? ' (from the upload)' : ''}
      </dd>
      ${
        d.kind === 'image' &&
        html`<dt>Image size</dt>
          <dd>
            ${shape.width?.median}×${shape.height?.median} (median), ${shape.channels?.median} channels
          </dd>`
      }
      ${
        d.kind === 'tabular' &&
        html`<dt>Features</dt>
          <dd>${d.features?.join(', ')}</dd>`
      }
      ${
        d.kind === 'text' &&
        html`<dt>Text length</dt>
          <dd>
            ${shape.words?.median} words, ${shape.tokens?.median} encoder tokens (median; max
            ${shape.tokens?.max})
          </dd>`
      }
      <dt>Source</dt>
      <dd>${d.source.filename} (${fmt.bytes(d.source.bytes)})</dd>
      <dt>Created</dt>
      <dd>${fmt.date(d.createdAt)}</dd>
    </dl>
  </section>`;
}

/**
 * The dataset's warnings and the files its upload skipped.
 * @param {{ d: Dataset }} props
 */
function Problems({ d }) {
  return html`${
    d.warnings.length > 0 &&
    html`<section class="card" aria-labelledby="warnings-title">
      <h2 id="warnings-title">Warnings</h2>
      <ul class="warnings" data-testid="warnings">
        ${d.warnings.map(
          (w) =>
            html`<li>
              <strong>${w.code}</strong>:
              ${w.message}${w.items?.length ? html` <span class="muted">(${w.items.slice(0, 10).join(', ')}${w.items.length > 10 ? ', …' : ''})</span>` : ''}
            </li>`,
        )}
      </ul>
    </section>`
  }
  ${
    d.skipped.count > 0 &&
    html`<section class="card">
      <h2>Skipped files (${d.skipped.count})</h2>
      <ul>
        ${d.skipped.files.slice(0, 20).map((f) => html`<li><code>${f.path}</code>: ${f.reason}</li>`)}
      </ul>
    </section>`
  }`;
}

/**
 * Train on it (train), or delete it (admin).
 * @param {{ d: Dataset }} props
 */
function DatasetActions({ d }) {
  const [error, setError] = useError();
  if (!can('train')) return null;
  return html`<div class="actions">
      <a class="button primary" href=${`#/jobs/new?datasetId=${d.id}`}>Train on this dataset</a>
      ${
        can('admin') &&
        html`<${ConfirmButton}
          label="Delete dataset"
          onConfirm=${async () => {
            try {
              await api(`/v1/datasets/${d.id}`, { method: 'DELETE' });
              navigate('#/datasets');
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
export function DatasetView({ id }) {
  /** @type {Loaded<Dataset>} */
  const ds = useLoad(() => api(`/v1/datasets/${id}`), [id]);
  if (ds.loading && !ds.data) return html`<${Loading} />`;
  if (ds.error || !ds.data)
    return html`<h1>Dataset</h1>
      <${ErrorNote} error=${ds.error} />`;
  const d = ds.data;
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="#/datasets">Datasets</a> / ${d.name}</nav>
    <h1>${d.name}</h1>
    <${DatasetActions} d=${d} />
    <div class="grid-2">
      <${SummaryCard} d=${d} />
      <section class="card" aria-labelledby="classes-title">
        <h2 id="classes-title">Examples per class</h2>
        ${
          d.classes.length > 0
            ? html`<${Bars}
                label="Examples per class"
                testid="class-counts"
                items=${d.classes.map((c) => ({ label: c.name, value: c.count }))}
              />`
            : html`<p class="muted">A regression target: no classes.</p>`
        }
      </section>
    </div>
    ${can('train') && d.task === 'classification' && (d.kind === 'image' || d.kind === 'text') && html`<${AskAdvisor} datasetId=${d.id} />`}
    ${can('train') && d.task === 'classification' && html`<${AskAudit} datasetId=${d.id} />`}
    ${
      d.parent &&
      html`<p class="note small" data-testid="dataset-parent">
        A version of <a href=${`#/datasets/${d.parent.datasetId}`}>${d.parent.datasetId}</a>:
        ${d.parent.excluded.length} example(s) excluded, ${d.parent.relabelled.length} relabelled.
      </p>`
    }
    <${Problems} d=${d} />
    <section class="card" aria-labelledby="examples-title">
      <h2 id="examples-title">Examples</h2>
      <${Examples} dataset=${d} />
    </section>`;
}
