// The New job form: every field of the spec with the service's defaults, the API's errors beside
// the fields they name, and the spec that will be sent beside the form.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can } from '../../access.js';
import { api } from '../../api.js';
import { draft } from '../../draft.js';
import { ARCHITECTURES, buildSpec, errorsAt, initialForm, takesImageFields } from '../../spec.js';
import { ErrorNote, html, navigate, useError, useLoad } from '../../ui.js';
import { PLACED_PATHS, controls } from './controls.js';
import {
  DataFieldset,
  EvaluationFieldset,
  FineTuneFieldset,
  OutputFieldset,
  TrainingFieldset,
} from './fieldsets.js';
/** @import { JobForm } from '../../spec.js' */
/** @import { Setter } from './controls.js' */
/** @import { Loaded } from '../../ui.js' */
/** @import { BaseModel, Dataset, FieldError, Job, LayerListing, ModelSummary, Page } from '../../types.js' */

/**
 * The form's state, from the draft (choices carried from a layer table) and the `datasetId` of
 * the query, and the handler that sets a field from its control.
 * @param {Record<string, string>} query
 */
function useJobForm(query) {
  const [f, setF] = useState(() =>
    initialForm({ ...draft.get(), ...(query.datasetId ? { datasetId: query.datasetId } : {}) }),
  );
  /** @type {Setter} */
  const set = (key) => (e) => {
    const t = e.currentTarget;
    const value = t instanceof HTMLInputElement && t.type === 'checkbox' ? t.checked : t.value;
    setF((old) => ({
      ...old,
      [key]: value,
      ...(key === 'architecture' ? { architectureTouched: true } : {}),
    }));
  };
  return { f, setF, set };
}

/**
 * Picks the first dataset when none is chosen, and a from-scratch architecture that fits its
 * kind until the user edits it; gives the chosen dataset's kind.
 * @param {JobForm} f
 * @param {(update: (old: JobForm) => JobForm) => void} setF
 * @param {Dataset[]} datasets
 */
function useDatasetDefaults(f, setF, datasets) {
  const dataset = datasets.find((d) => d.id === f.datasetId);
  useEffect(() => {
    const first = datasets[0];
    if (!f.datasetId && first) setF((old) => ({ ...old, datasetId: first.id }));
  }, [datasets.length]);
  useEffect(() => {
    if (dataset && !f.architectureTouched) {
      setF((old) => ({
        ...old,
        architecture: JSON.stringify(ARCHITECTURES[dataset.kind] ?? ARCHITECTURES.image, null, 2),
      }));
    }
  }, [dataset?.kind]);
  return dataset?.kind;
}

/**
 * Posts the spec and opens the job; the API's errors go beside their fields, and focus to the
 * summary above the form.
 * @param {Record<string, unknown>} spec
 * @param {FieldError[]} problems the form's own errors (invalid JSON): nothing is sent while any
 */
function useSubmit(spec, problems) {
  const [apiErrors, setApiErrors] = useState(/** @type {FieldError[]} */ ([]));
  const [failure, setFailure] = useError();
  const [busy, setBusy] = useState(false);
  const summary = useRef(/** @type {HTMLDivElement | null} */ (null));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    setFailure(undefined);
    setApiErrors([]);
    if (problems.length > 0) return;
    setBusy(true);
    try {
      /** @type {Job} */
      const job = await api('/v1/jobs', { method: 'POST', json: spec });
      draft.clear();
      navigate(`#/jobs/${job.id}`);
    } catch (err) {
      setApiErrors(/** @type {{ errors?: FieldError[] }} */ (err).errors ?? []);
      setFailure(err);
      setTimeout(() => summary.current?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };
  const clear = () => {
    setApiErrors([]);
    setFailure(undefined);
  };
  return { submit, apiErrors, failure, busy, summary, clear };
}

/**
 * Why the job was not created: how many fields are marked below, or the message, and the
 * errors about paths no field shows.
 * @param {{ failure: unknown, apiErrors: FieldError[] }} props
 */
function FailureSummary({ failure, apiErrors }) {
  if (!failure) return null;
  const unplaced = apiErrors.filter((e) => errorsAt([e], ...PLACED_PATHS).length === 0);
  const message = /** @type {Error} */ (failure).message;
  return html`<div class="note error" role="alert" data-testid="job-errors">
    <strong>The job was not created:</strong>
    ${
      unplaced.length === 0 && apiErrors.length > 0
        ? ` ${apiErrors.length === 1 ? 'one field needs' : `${apiErrors.length} fields need`} attention (marked below).`
        : ` ${message}`
    }
    ${
      unplaced.length > 0 &&
      html`<ul>
        ${unplaced.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
      </ul>`
    }
  </div>`;
}

/**
 * Start and reset; reset drops the draft and keeps the dataset.
 * @param {{ busy: boolean, f: JobForm, onReset: () => void }} props
 */
function Actions({ busy, f, onReset }) {
  return html`<div class="actions">
    <button type="submit" class="primary" disabled=${busy || !f.datasetId}>
      ${busy ? 'Creating…' : 'Start training'}
    </button>
    <button type="button" onClick=${onReset}>Reset to defaults</button>
  </div>`;
}

/**
 * A list the form picks from, read with the read role; a key without it types ids instead.
 * @template T
 * @param {string} path
 * @returns {Promise<Page<T>>}
 */
const listOf = (path) => (can('read') ? api(path) : Promise.resolve({ items: [] }));

/**
 * The lists the form picks from, and the layers of the chosen base.
 * @param {string} base
 */
function useChoices(base) {
  /** @type {Loaded<Page<Dataset>>} */
  const datasets = useLoad(() => listOf('/v1/datasets?limit=100'), []);
  /** @type {Loaded<Page<BaseModel>>} */
  const bases = useLoad(() => listOf('/v1/base-models?limit=100'), []);
  /** @type {Loaded<Page<ModelSummary>>} */
  const models = useLoad(() => listOf('/v1/models?limit=100'), []);
  /** @type {Loaded<LayerListing | undefined>} */
  const layers = useLoad(
    () =>
      base && can('read')
        ? api(`${base.startsWith('m_') ? '/v1/models' : '/v1/base-models'}/${base}/layers`)
        : Promise.resolve(undefined),
    [base],
  );
  return { datasets, bases, models, layers };
}

/** @param {{ query: Record<string, string> }} props */
export function NewJobView({ query }) {
  const { f, setF, set } = useJobForm(query);
  const choices = useChoices(f.base);
  const datasets = choices.datasets.data?.items ?? [];
  const kind = useDatasetDefaults(f, setF, datasets);
  // Image datasets take an input size and augmentation; tabular and text ones do not.
  const images = takesImageFields(kind);
  const { spec, problems } = useMemo(() => buildSpec(f, kind), [f, kind]);
  const sent = useSubmit(spec, problems);
  const ctl = controls(f, set, [...problems, ...sent.apiErrors]);
  const reset = () => {
    draft.clear();
    setF(initialForm({ datasetId: f.datasetId }));
    sent.clear();
  };

  return html`<h1>New training job</h1>
    <div class="job-form-layout">
      <form class="card job-form" onSubmit=${sent.submit} novalidate aria-describedby="job-form-help">
        <p id="job-form-help" class="muted">
          Every field starts at the service's default. The spec on the right is what will be sent.
        </p>
        <div ref=${sent.summary} tabindex="-1" class="summary-anchor">
          <${FailureSummary} failure=${sent.failure} apiErrors=${sent.apiErrors} />
        </div>
        <${DataFieldset}
          ctl=${ctl}
          images=${images}
          datasets=${datasets}
          bases=${choices.bases.data?.items ?? []}
          models=${choices.models.data?.items ?? []}
          layers=${choices.layers.data}
        />
        <${TrainingFieldset} ctl=${ctl} />
        <${EvaluationFieldset} ctl=${ctl} />
        ${f.base && html`<${FineTuneFieldset} ctl=${ctl} />`}
        <${OutputFieldset} ctl=${ctl} images=${images} />
        <${Actions} busy=${sent.busy} f=${f} onReset=${reset} />
        <${ErrorNote} error=${choices.datasets.error} />
      </form>
      <aside class="card spec-preview" aria-labelledby="spec-title">
        <h2 id="spec-title">Job spec</h2>
        <pre data-testid="spec-json" aria-live="off"><code>${JSON.stringify(spec, null, 2)}</code></pre>
      </aside>
    </div>`;
}
