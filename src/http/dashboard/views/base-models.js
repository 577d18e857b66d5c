// Base models: the registered ones, the catalog, registering your own, and the layer table
// where a cut and a first layer to fine-tune are chosen for a new job.
import { useState } from 'preact/hooks';
import { NoAccess, can } from '../access.js';
import { api, upload } from '../api.js';
import { draft } from '../draft.js';
import {
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
/** @import { BaseModel, CatalogEntry, Layer, LayerListing, Model, Page } from '../types.js' */

/** @typedef {(m: BaseModel) => void} OnRegistered */

/** @param {{ onRegistered: OnRegistered }} props */
function Catalog({ onRegistered }) {
  /** @type {Loaded<Page<CatalogEntry>>} */
  const catalog = useLoad(() => api('/v1/base-models/catalog'), []);
  const [busy, setBusy] = useState(/** @type {string | undefined} */ (undefined));
  const [error, setError] = useError();
  const mayRegister = can('train');
  /** @param {string} name */
  const register = async (name) => {
    setBusy(name);
    setError(undefined);
    try {
      onRegistered(await api('/v1/base-models', { method: 'POST', json: { catalog: name } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  return html`<section class="card" aria-labelledby="catalog-title">
    <h2 id="catalog-title">Catalog</h2>
    <p class="muted">
      Well-known public models. Offline ones ship with the service; others are downloaded${mayRegister ? '' : ' (registering one needs the train role)'}.
    </p>
    <${ErrorNote} error=${catalog.error || error} />
    ${
      catalog.data &&
      html`<${Table}
        testid="catalog-table"
        head=${['Name', 'Description', 'Input', 'Suggested cut', ...(mayRegister ? [html`<span class="sr-only">Actions</span>`] : [])]}
        rows=${catalog.data.items}
        row=${(/** @type {CatalogEntry} */ c) =>
          html`<td>${c.name} ${c.offline && html`<span class="badge">offline</span>`}</td>
            <td>${c.description}</td>
            <td>${fmt.shape(c.inputShape)}</td>
            <td><code>${c.recommendedCutAt}</code></td>
            ${
              mayRegister &&
              html`<td>
                <button type="button" disabled=${busy !== undefined} onClick=${() => register(c.name)}>
                  ${busy === c.name ? 'Registering…' : 'Register'}
                </button>
              </td>`
            }`}
      />`
    }
  </section>`;
}

/**
 * Registers a model.json from its URL, under `name` when there is one.
 * @param {{ name: string, onRegistered: OnRegistered, setError: (error: unknown) => void }} props
 */
function UrlForm({ name, onRegistered, setError }) {
  const [url, setUrl] = useState('');
  /** @param {Event} e */
  const byUrl = async (e) => {
    e.preventDefault();
    setError(undefined);
    try {
      const json = { url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) };
      onRegistered(await api('/v1/base-models', { method: 'POST', json }));
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="inline" onSubmit=${byUrl}>
    <div class="field grow">
      <label for="base-url">model.json URL</label>
      <input
        id="base-url"
        type="url"
        required
        value=${url}
        onInput=${inputValue(setUrl)}
        placeholder="https://…/model.json"
      />
    </div>
    <button type="submit">Register from URL</button>
  </form>`;
}

/** @param {{ onRegistered: OnRegistered }} props */
function RegisterForm({ onRegistered }) {
  const [name, setName] = useState('');
  const [error, setError] = useError();
  const [progress, setProgress] = useState(/** @type {number | undefined} */ (undefined));
  /** @param {File[]} files */
  const byFiles = async (files) => {
    setError(undefined);
    setProgress(0);
    const form = new FormData();
    if (name.trim()) form.append('name', name.trim());
    for (const f of files) form.append('files', f, f.name);
    try {
      onRegistered(await upload('/v1/base-models', form, setProgress));
    } catch (err) {
      setError(err);
    } finally {
      setProgress(undefined);
    }
  };
  return html`<section class="card" aria-labelledby="register-title">
    <h2 id="register-title">Register your own</h2>
    <p class="muted">
      A TF.js LayersModel: <code>model.json</code> and its weight files, one zip of them, or a URL.
    </p>
    <div class="field">
      <label for="base-name">Name (optional)</label>
      <input id="base-name" value=${name} onInput=${inputValue(setName)} />
    </div>
    <${UrlForm} name=${name} onRegistered=${onRegistered} setError=${setError} />
    <${DropZone}
      id="base-files"
      label="Drop model.json and weight files (or a zip), or choose them"
      multiple=${true}
      accept=".json,.bin,.zip"
      disabled=${progress !== undefined}
      onFiles=${byFiles}
    />
    ${progress !== undefined && html`<progress max="1" value=${progress} aria-label="Upload progress"></progress>`}
    <${ErrorNote} error=${error} />
  </section>`;
}

/** The project's registered base models, each linked to its layer table. */
function BaseModelList() {
  /** @type {Loaded<Page<BaseModel>>} */
  const list = useLoad(() => api('/v1/base-models?limit=100'), []);
  return html`<section class="card" aria-labelledby="bases-title">
    <h2 id="bases-title">Registered</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorNote} error=${list.error} />
    ${
      list.data &&
      (list.data.items.length === 0
        ? html`<p class="muted">None yet${can('train') ? ': register one from the catalog or your own files below' : ''}.</p>`
        : html`<${Table}
            testid="base-models-table"
            head=${['Name', 'Input', 'Layers', 'Parameters', 'Size', 'Source']}
            rows=${list.data.items}
            row=${(/** @type {BaseModel} */ m) =>
              html`<td><a href=${`#/base-models/${m.id}`}>${m.name}</a></td>
                <td>${fmt.shape(m.inputShape)}</td>
                <td>${m.layerCount}</td>
                <td>${fmt.int(m.params.total)}</td>
                <td>${fmt.bytes(m.sizeBytes)}</td>
                <td>${m.source.kind}</td>`}
          />`)
    }
  </section>`;
}

/** The list and the catalog (read), registering your own (train). */
export function BaseModelsView() {
  /** @type {OnRegistered} */
  const open = (m) => navigate(`#/base-models/${m.id}`);
  return html`<h1>Base models</h1>
    ${
      can('read')
        ? html`<${BaseModelList} /><${Catalog} onRegistered=${open} />`
        : html`<${NoAccess} access="read" what="the project's base models and the catalog are not listed" />`
    }
    ${can('train') && html`<${RegisterForm} onRegistered=${open} />`}`;
}

/**
 * The facts of a base model or a trained model above its layers, and a base model's delete button.
 * @param {{ id: string, meta: BaseModel | Model, isModel: boolean }} props
 */
function LayersFacts({ id, meta, isModel }) {
  const [error, setError] = useError();
  const source =
    'source' in meta
      ? /** @type {BaseModel['source'] & { catalog?: string, url?: string | null }} */ (meta.source)
      : undefined;
  return html`<${ErrorNote} error=${error} />
    <section class="card">
      <dl class="facts">
        <dt>Id</dt>
        <dd><code>${id}</code></dd>
        <dt>Input</dt>
        <dd>${fmt.shape(meta.inputShape)}</dd>
        <dt>Parameters</dt>
        <dd>${fmt.int(meta.params?.total)}</dd>
        ${
          !isModel &&
          html`<dt>Source</dt>
            <dd>${source?.kind} ${source?.catalog ?? source?.url ?? ''}</dd>`
        }
      </dl>
      ${
        !isModel &&
        can('admin') &&
        html`<div class="actions">
          <${ConfirmButton}
            label="Delete base model"
            onConfirm=${async () => {
              try {
                await api(`/v1/base-models/${id}`, { method: 'DELETE' });
                navigate('#/base-models');
              } catch (err) {
                setError(err);
              }
            }}
          />
        </div>`
      }
    </section>`;
}

/**
 * Every layer; with `choose` (a key that can train), a radio for the cut and one for the first
 * layer to fine-tune.
 * @param {{
 *   listing: LayerListing, cut: string | undefined, unfreezeFrom: string | undefined,
 *   onCut: (name: string) => void, onUnfreeze: (name: string) => void, choose: boolean,
 * }} props
 */
function LayerTable({ listing, cut, unfreezeFrom, onCut, onUnfreeze, choose }) {
  const head = ['#', 'Name', 'Class', 'Output shape', 'Params', 'Trainable'];
  return html`<${Table}
    testid="layers-table"
    wrap="table-wrap tall"
    head=${choose ? [...head, 'Cut here', 'Fine-tune from'] : head}
    rows=${listing.layers}
    rowClass=${(/** @type {Layer} */ l) => (l.name === cut ? 'selected' : '')}
    row=${(/** @type {Layer} */ l) =>
      html`<td>${l.index}</td>
        <td>
          <code>${l.name}</code>
          ${l.name === listing.recommendedCutAt && html` <span class="badge">suggested cut</span>`}
        </td>
        <td>${l.className}</td>
        <td>${fmt.shape(l.outputShape)}</td>
        <td>${fmt.int(l.params)}</td>
        <td>${l.trainable ? 'yes' : 'no'}</td>
        ${
          choose &&
          html`<td>
          <input
            type="radio"
            name="cut"
            aria-label=${`cut at ${l.name}`}
            checked=${l.name === cut}
            onChange=${() => onCut(l.name)}
          />
        </td>
        <td>
          <input
            type="radio"
            name="unfreeze"
            aria-label=${`fine-tune from ${l.name}`}
            checked=${l.name === unfreezeFrom}
            onChange=${() => onUnfreeze(l.name)}
          />
        </td>`
        }`}
  />`;
}

/**
 * The layer table of a base model (bm_…) or a trained model (m_…), with the cut and fine-tune
 * choice for a key that can train.
 * @param {{ id: string }} props
 */
export function LayersView({ id }) {
  const isModel = id.startsWith('m_');
  /** @type {Loaded<BaseModel | Model>} */
  const meta = useLoad(() => api(isModel ? `/v1/models/${id}` : `/v1/base-models/${id}`), [id]);
  /** @type {Loaded<LayerListing>} */
  const layers = useLoad(() => api(`${isModel ? '/v1/models' : '/v1/base-models'}/${id}/layers`), [id]);
  const saved = draft.get();
  const same = saved.base === id;
  const [cutAt, setCutAt] = useState(same ? saved.cutAt : undefined);
  const [unfreezeFrom, setUnfreezeFrom] = useState(same ? saved.unfreezeFrom : undefined);
  const cut = cutAt ?? layers.data?.recommendedCutAt ?? undefined;
  const name = meta.data?.name ?? id;
  // Choosing a cut serves a new job only: a key that cannot train sees the layers alone.
  const choose = can('train');

  const useInJob = () => {
    draft.merge({ base: id, cutAt: cut, unfreezeFrom });
    navigate('#/jobs/new');
  };

  return html`<nav aria-label="Breadcrumb" class="crumbs">
      <a href=${isModel ? '#/models' : '#/base-models'}>${isModel ? 'Models' : 'Base models'}</a> / ${name}
    </nav>
    <h1>${name}</h1>
    <${ErrorNote} error=${meta.error || layers.error} />
    ${meta.data && html`<${LayersFacts} id=${id} meta=${meta.data} isModel=${isModel} />`}
    <section class="card" aria-labelledby="layers-title">
      <h2 id="layers-title">Layers</h2>
      ${
        choose &&
        html`<p class="muted">
            Choose where to cut (the layers up to and including it are kept, a new head goes on top) and,
            optionally, the first layer to unfreeze for fine-tuning.
          </p>
          <div class="actions sticky">
            <span>Cut at <span data-testid="chosen-cut">${cut ? html`<code>${cut}</code>` : 'the default (the layer below the output)'}</span>, fine-tune from <span data-testid="chosen-finetune">${unfreezeFrom ? html`<code>${unfreezeFrom}</code>` : 'none'}</span></span>
            <button type="button" class="primary" onClick=${useInJob} disabled=${!layers.data}>
              Use in a new job
            </button>
            ${unfreezeFrom && html`<button type="button" onClick=${() => setUnfreezeFrom(undefined)}>No fine-tuning</button>`}
          </div>`
      }
      ${layers.loading && !layers.data && html`<${Loading} what="Loading layers" />`}
      ${
        layers.data &&
        html`<${LayerTable}
          listing=${layers.data}
          cut=${cut}
          unfreezeFrom=${unfreezeFrom}
          onCut=${setCutAt}
          onUnfreeze=${setUnfreezeFrom}
          choose=${choose}
        />`
      }
    </section>`;
}
