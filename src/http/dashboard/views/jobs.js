import { useEffect, useState } from 'preact/hooks';
import { can } from '../access.js';
import { api } from '../api.js';
import { Curves } from '../charts.js';
import { useLiveRecord } from '../live.js';
import { ErrorNote, Loading, StateBadge, Table, fmt, html, useError, useLoad } from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { EvaluationStage, HistoryEntry, Job, JobSpec, Page } from '../types.js' */

const LIVE = ['queued', 'running'];

/** @param {JobSpec} spec */
function describeBase(spec) {
  const base = spec?.base;
  if (base && 'baseModelId' in base && base.baseModelId) return base.baseModelId;
  if (base && 'modelId' in base && base.modelId) return base.modelId;
  return spec?.architecture ? 'from scratch' : '–';
}

/**
 * Where a cross-validated job is: which fold, which point of the learning curve, or the refit.
 * @param {EvaluationStage | undefined} stage
 */
export function stageText(stage) {
  if (!stage) return '';
  if (stage.stage === 'refit') return 'training the returned model on every example';
  const fold = `fold ${stage.fold} of ${stage.folds}`;
  return stage.stage === 'learning-curve'
    ? `learning curve at ${Math.round((stage.fraction ?? 1) * 100)} % of the examples, ${fold}`
    : `cross-validation, ${fold}`;
}

/** @param {Job} j */
function progressText(j) {
  const p = j.progress;
  const stage = p?.evaluation ? `${stageText(p.evaluation)}: ` : '';
  if (LIVE.includes(j.state) && p?.phase)
    return stage + (p.epochs ? `${p.phase}, epoch ${p.epoch} of ${p.epochs}` : p.phase);
  return j.history.length > 0 ? `${j.history.length} epochs` : '';
}

/**
 * A row of the jobs table.
 * @param {Job} j
 */
function jobRow(j) {
  return html`<td>
      <a href=${`#/jobs/${j.id}`}><code>${j.id}</code></a>
    </td>
    <td><${StateBadge} state=${j.state} /></td>
    <td>
      <a href=${`#/datasets/${j.spec.datasetId}`}><code>${j.spec.datasetId}</code></a>
    </td>
    <td>${describeBase(j.spec)}</td>
    <td>${progressText(j)}</td>
    <td>${fmt.date(j.createdAt)}</td>
    <td>
      ${j.modelId ? html`<a href=${`#/models/${j.modelId}`}><code>${j.modelId}</code></a>` : ''}
    </td>`;
}

export function JobsView() {
  /** @type {Loaded<Page<Job>>} */
  const list = useLoad(() => api('/v1/jobs?limit=100'), []);
  const anyLive = list.data?.items.some((j) => LIVE.includes(j.state));
  useEffect(() => {
    if (!anyLive) return undefined;
    const t = setInterval(list.reload, 3000);
    return () => clearInterval(t);
  }, [anyLive, list.reload]);
  return html`<h1>Jobs</h1>
    ${can('train') && html`<div class="actions"><a class="button primary" href="#/jobs/new">New job</a></div>`}
    <section class="card" aria-labelledby="jobs-title">
      <h2 id="jobs-title">All jobs</h2>
      ${list.loading && !list.data && html`<${Loading} />`}
      <${ErrorNote} error=${list.error} />
      ${
        list.data &&
        (list.data.items.length === 0
          ? html`<p class="muted">No jobs yet.</p>`
          : html`<${Table}
              testid="jobs-table"
              head=${['Job', 'State', 'Dataset', 'Base', 'Progress', 'Created', 'Model']}
              rows=${list.data.items}
              row=${jobRow}
            />`)
      }
    </section>`;
}

/** Follows a job over SSE (fetch-streamed, so the key goes along); opens it again if it breaks. */
/** @param {string} id */
function useLiveJob(id) {
  /** @type {ReturnType<typeof useLiveRecord<Job>>} */
  const { record, setRecord, error, events } = useLiveRecord(`/v1/jobs/${id}`);
  return { job: record, setJob: setRecord, error, events };
}

/**
 * Time left in this phase: the trainer's own estimate when the latest report has one, else the
 * pace of the epochs seen so far since the job started.
 * @param {Job} job
 */
function eta(job) {
  const p = job.progress ?? {};
  if (typeof p.etaMs === 'number') return p.etaMs;
  if (typeof p.etaSeconds === 'number') return p.etaSeconds * 1000;
  if (!job.startedAt || !p.epochs || !p.epoch) return undefined;
  const done = p.epoch - 1 + (p.batches ? (p.batch ?? 0) / p.batches : 0);
  if (done <= 0) return undefined;
  const elapsed = Date.now() - Date.parse(job.startedAt);
  return (elapsed / done) * Math.max(0, p.epochs - done);
}

/**
 * Where a queued or running job is: phase, epoch, batch, loss, speed, time left.
 * @param {{ job: Job }} props
 */
function LiveFacts({ job }) {
  const p = job.progress ?? {};
  return html`<dl class="facts">
    ${
      p.evaluation &&
      html`<dt>Evaluation</dt>
        <dd data-testid="job-stage">${stageText(p.evaluation)}</dd>`
    }
    <dt>Phase</dt>
    <dd data-testid="job-phase">${p.phase ?? (job.state === 'queued' ? 'waiting for a worker' : '–')}</dd>
    <dt>Epoch</dt>
    <dd>${p.epochs ? `${p.epoch} of ${p.epochs}` : '–'}</dd>
    <dt>Batch</dt>
    <dd>${p.batches ? `${p.batch} of ${p.batches}` : '–'}</dd>
    <dt>Loss</dt>
    <dd>${fmt.num(p.loss, 4)}</dd>
    <dt>Speed</dt>
    <dd>${p.examplesPerSec ? `${Math.round(p.examplesPerSec)} examples/s` : '–'}</dd>
    <dt>ETA (this phase)</dt>
    <dd data-testid="job-eta">${fmt.duration(eta(job))}</dd>
    <dt>Started</dt>
    <dd>${fmt.date(job.startedAt)}</dd>
  </dl>`;
}

/** @type {Record<string, string>} */
const PHASE_NAMES = {
  train: 'training',
  fineTune: 'fine-tuning',
  caching: 'caching',
  evaluating: 'evaluating',
};

/**
 * Epochs run in each training phase, from the history: "10 training, 5 fine-tuning".
 * @param {HistoryEntry[]} history
 */
function epochsRun(history) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const h of history) counts.set(String(h.phase), (counts.get(String(h.phase)) ?? 0) + 1);
  return [...counts].map(([phase, n]) => `${n} ${PHASE_NAMES[phase] ?? phase}`).join(', ') || '–';
}

/**
 * What a finished job did: the epochs it ran, its last loss, the speed of each phase and how
 * long it took. A failed or cancelled job also says which phase it stopped in; a completed one
 * has nothing left to report per phase or batch.
 * @param {{ job: Job }} props
 */
function FinishedFacts({ job }) {
  const p = job.progress ?? {};
  const last = job.history.at(-1);
  const speeds = Object.entries(p.throughput ?? {})
    .map(([phase, rate]) => `${PHASE_NAMES[phase] ?? phase} ${Math.round(rate)}`)
    .join(', ');
  const took =
    job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : undefined;
  return html`<dl class="facts" data-testid="job-summary">
    ${
      job.state !== 'completed' &&
      html`<dt>Stopped in</dt>
        <dd data-testid="job-phase">${p.phase ? (PHASE_NAMES[p.phase] ?? p.phase) : 'the queue'}</dd>`
    }
    <dt>Epochs run</dt>
    <dd data-testid="job-epochs">${epochsRun(job.history)}</dd>
    <dt>Last loss</dt>
    <dd>${fmt.num(last?.loss, 4)}</dd>
    ${speeds && html`<dt>Speed (examples/s)</dt><dd>${speeds}</dd>`}
    <dt>Started</dt>
    <dd>${fmt.date(job.startedAt)}</dd>
    <dt>Finished</dt>
    <dd>${fmt.date(job.finishedAt)}</dd>
    <dt>Took</dt>
    <dd>${fmt.duration(took)}</dd>
  </dl>`;
}

/**
 * Cancel while it runs (train); open the model once there is one.
 * @param {{ job: Job, setJob: (job: Job) => void }} props
 */
function JobActions({ job, setJob }) {
  const [cancelError, setCancelError] = useError();
  const [cancelling, setCancelling] = useState(false);
  const cancel = async () => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      setJob(await api(`/v1/jobs/${job.id}/cancel`, { method: 'POST' }));
    } catch (err) {
      setCancelError(err);
    } finally {
      setCancelling(false);
    }
  };
  return html`<div class="actions">
      ${can('train') && LIVE.includes(job.state) && html`<button type="button" class="danger" onClick=${cancel} disabled=${cancelling}>${cancelling ? 'Cancelling…' : 'Cancel job'}</button>`}
      ${job.modelId && html`<a class="button primary" href=${`#/models/${job.modelId}`}>Open the model</a>`}
    </div>
    <${ErrorNote} error=${cancelError} />`;
}

/**
 * The facts of the job as it runs or as it ended, and the progress of the running phase.
 * @param {{ job: Job, events: number }} props
 */
function JobStatus({ job, events }) {
  const p = job.progress ?? {};
  const live = LIVE.includes(job.state);
  const batchPart = p.batches ? (p.batch ?? 0) / p.batches : 0;
  const overall = p.epochs ? Math.min(1, (Math.max(1, p.epoch ?? 0) - 1 + batchPart) / p.epochs) : 0;
  return html`<section
    class="card"
    aria-labelledby="status-title"
    data-testid="job-status"
    data-state=${job.state}
    data-sse-events=${events}
  >
    <h2 id="status-title">Status</h2>
    ${live ? html`<${LiveFacts} job=${job} />` : html`<${FinishedFacts} job=${job} />`}
    ${
      live &&
      html`<label class="block" for="job-progress">Progress of this phase</label>
        <progress id="job-progress" max="1" value=${overall}>${Math.round(overall * 100)} %</progress>`
    }
  </section>`;
}

/** @param {{ id: string }} props */
export function JobView({ id }) {
  const { job, setJob, error, events } = useLiveJob(id);
  if (error)
    return html`<h1>Job</h1>
      <${ErrorNote} error=${error} />`;
  if (!job)
    return html`<h1>Job <code>${id}</code></h1>
      <${Loading} what="Connecting" />`;
  const live = LIVE.includes(job.state);
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="#/jobs">Jobs</a> / ${id}</nav>
    <h1>Job <code>${id}</code> <${StateBadge} state=${job.state} /></h1>
    <${JobActions} job=${job} setJob=${setJob} />
    ${job.error && html`<div class="note error" role="alert"><strong>Failed:</strong> ${job.error}</div>`}
    <${JobStatus} job=${job} events=${events} />
    <section class="card" aria-labelledby="curves-title">
      <h2 id="curves-title">
        Training curves${live && job.progress?.evaluation ? `: ${stageText(job.progress.evaluation)}` : ''}
      </h2>
      <${Curves} history=${job.history} testid="job-curves" />
    </section>
    <section class="card">
      <details>
        <summary>Job spec</summary>
        <pre><code>${JSON.stringify(job.spec, null, 2)}</code></pre>
      </details>
    </section>`;
}
