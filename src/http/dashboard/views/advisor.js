// The backbone advisor: asked from a dataset page, watched through its event stream, answered
// with the candidates on a chart (probe accuracy with its interval against cost per example),
// the recommendation in words and a button that starts the recommended job.
import { useState } from 'preact/hooks';
import { can } from '../access.js';
import { api } from '../api.js';
import { useLiveRecord } from '../live.js';
import { ErrorNote, Loading, StateBadge, fmt, html, navigate, useError, useLoad } from '../ui.js';

/**
 * A share as a whole percentage.
 * @param {number} x
 */
const percent = (x) => `${Math.round(x * 100)}%`;
/** @import { TargetedEvent } from 'preact' */
/** @import { Loaded } from '../ui.js' */
/** @import { AdvisorRun, BaseModel, Candidate, Job, Page, Schemas } from '../types.js' */

const DONE = new Set(['completed', 'failed', 'cancelled']);

/**
 * The card on a dataset page: which registered bases to compare (none ticked: the defaults).
 * @param {{ datasetId: string }} props
 */
export function AskAdvisor({ datasetId }) {
  /** @type {Loaded<Page<BaseModel>>} */
  const bases = useLoad(() => api('/v1/base-models?limit=100'), []);
  const [picked, setPicked] = useState(() => /** @type {Set<string>} */ (new Set()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useError();
  const ask = async () => {
    setBusy(true);
    setError(undefined);
    try {
      /** @type {Schemas['AdvisorRequest']} */
      const body = { datasetId };
      if (picked.size > 0) body.candidates = [...picked].map((id) => ({ base: { baseModelId: id } }));
      /** @type {AdvisorRun} */
      const run = await api('/v1/advisor', { method: 'POST', json: body });
      navigate(`#/advisor/${run.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const items = bases.data?.items ?? [];
  return html`<section class="card" aria-labelledby="advisor-title" data-testid="ask-advisor">
    <h2 id="advisor-title">Which base model?</h2>
    <p class="muted small">
      The advisor probes each base at a few cut points on this dataset (frozen features, repeated
      cross-validation) and ranks them; it takes a few seconds per base on small data.
    </p>
    ${
      items.length > 0 &&
      html`<fieldset class="field">
        <legend>Bases to compare (none ticked: every registered and offline catalog base)</legend>
        ${items.map(
          (m) => html`<label class="check">
            <input
              type="checkbox"
              checked=${picked.has(m.id)}
              onChange=${(/** @type {TargetedEvent<HTMLInputElement>} */ e) => {
                const next = new Set(picked);
                if (e.currentTarget.checked) next.add(m.id);
                else next.delete(m.id);
                setPicked(next);
              }}
            />
            ${m.name}
          </label>`,
        )}
      </fieldset>`
    }
    <${ErrorNote} error=${error} />
    <button type="button" class="button primary" disabled=${busy} onClick=${ask}>
      ${busy ? 'Starting…' : 'Ask the advisor'}
    </button>
  </section>`;
}

/**
 * The run as it goes: the view from GET, then every event of the stream.
 * @param {string} id
 */
function useAdvisorRun(id) {
  /** @type {ReturnType<typeof useLiveRecord<AdvisorRun>>} */
  const { record, error } = useLiveRecord(`/v1/advisor/${id}`, { readFirst: true });
  return { run: record, error };
}

/** @param {AdvisorRun['progress']} p */
function progressText(p) {
  if (!p) return 'waiting for a worker';
  /** @type {string[]} */
  const parts = [p.phase];
  if (p.base) parts.push(p.base);
  if (typeof p.bases === 'number')
    parts.push(`base ${Math.min((p.basesDone ?? 0) + 1, p.bases)} of ${p.bases}`);
  if (typeof p.examples === 'number')
    parts.push(`${fmt.int(p.examplesDone)} of ${fmt.int(p.examples)} examples`);
  return parts.join(' · ');
}

/**
 * Starts the recommended job on the run's dataset and opens it.
 * @param {Record<string, unknown> | null} spec the recommendation's, shown only when there is one
 * @param {string} datasetId
 * @param {(error: unknown) => void} setError
 * @param {(busy: boolean) => void} setBusy
 */
async function startJob(spec, datasetId, setError, setBusy) {
  setBusy(true);
  try {
    /** @type {Job} */
    const job = await api('/v1/jobs', { method: 'POST', json: { ...spec, datasetId } });
    navigate(`#/jobs/${job.id}`);
  } catch (err) {
    setError(err);
    setBusy(false);
  }
}

/** @param {{ id: string }} props */
export function AdvisorView({ id }) {
  const { run, error } = useAdvisorRun(id);
  const [startError, setStartError] = useError();
  const [busy, setBusy] = useState(false);
  if (error)
    return html`<h1>Advisor</h1>
      <${ErrorNote} error=${error} />`;
  if (!run) return html`<${Loading} />`;
  const rec = run.recommendation;
  const ranking = run.ranking ?? [];
  return html`<nav aria-label="Breadcrumb" class="crumbs">
      <a href="#/datasets">Datasets</a> / <a href=${`#/datasets/${run.datasetId}`}>${run.datasetId}</a> / advisor
    </nav>
    <h1>Advisor <${StateBadge} state=${run.state} /></h1>
    ${
      !DONE.has(run.state) &&
      html`<p class="note" role="status" data-testid="advisor-progress">${progressText(run.progress)}</p>`
    }
    ${run.error && html`<div class="note error" role="alert">${run.error}</div>`}
    ${
      rec &&
      html`<section class="card" aria-labelledby="rec-title" data-testid="advisor-recommendation">
        <h2 id="rec-title">Recommendation</h2>
        ${
          rec.expected &&
          html`<p data-testid="advisor-expected">
            Expected accuracy of the job: <strong>${percent(rec.expected.accuracy)}</strong>${' '}
            ${
              `(${percent(rec.expected.accuracyInterval.low)} to ${percent(rec.expected.accuracyInterval.high)}, 95%; ` +
              `its spec trained on ${rec.expected.folds} folds of ${fmt.int(rec.expected.examples)} examples)`
            }
          </p>`
        }
        <p>${rec.reason}</p>
        ${rec.alternative && html`<p class="muted">${rec.alternative.reason}</p>`}
        <${ErrorNote} error=${startError} />
        ${
          rec.spec &&
          can('train') &&
          html`<button
            type="button"
            class="button primary"
            disabled=${busy}
            onClick=${() => startJob(rec.spec, run.datasetId, setStartError, setBusy)}
          >
            ${busy ? 'Starting…' : 'Train the recommended model'}
          </button>`
        }
      </section>`
    }
    ${
      ranking.length > 0 &&
      html`<section class="card" aria-labelledby="cands-title">
        <h2 id="cands-title">Candidates</h2>
        <p class="muted small">
          Probe accuracy on ${fmt.int(run.examples)} examples (${run.repeats}×${run.folds}-fold, every
          candidate on the same folds), with its 95% interval, against the cost of one example's forward pass.
          The probe is a quick learner that ranks the candidates; it runs some points below what a trained spec
          reaches, so hold the job to the expected accuracy above.
        </p>
        <${CandidateChart} ranking=${ranking} />
        <${CandidateTable} ranking=${ranking} />
      </section>`
    }
    ${
      (run.warnings?.length ?? 0) > 0 &&
      html`<ul class="note warnings">
        ${run.warnings?.map((w) => html`<li>${w}</li>`)}
      </ul>`
    }`;
}

/** @param {{ ranking: Candidate[] }} props */
function CandidateTable({ ranking }) {
  /** @param {number} x */
  const pct0 = (x) => `${Math.round(x * 100)}%`;
  return html`<table data-testid="advisor-candidates">
    <thead>
      <tr>
        <th>rank</th>
        <th>base @ cut</th>
        <th class="num">probe accuracy (95%)</th>
        <th class="num">vs pick</th>
        <th class="num">LogME</th>
        <th class="num">k-NN</th>
        <th class="num">ms / example</th>
      </tr>
    </thead>
    <tbody>
      ${ranking.map(
        (e) => html`<tr>
          <td>${e.rank}</td>
          <td>${e.baseName ?? '?'} @ <code>${e.cutAt}</code></td>
          <td class="num">${pct0(e.accuracy)} (${pct0(e.accuracyInterval.low)} to ${pct0(e.accuracyInterval.high)})</td>
          <td class="num">
            ${
              e.differenceToPick
                ? `${e.differenceToPick.mean >= 0 ? '+' : ''}${Math.round(e.differenceToPick.mean * 100)} (${Math.round(e.differenceToPick.low * 100)} to ${Math.round(e.differenceToPick.high * 100)})${e.differenceToPick.tied ? ', tied' : ''}`
                : '–'
            }
          </td>
          <td class="num">${fmt.num(e.logME, 3)}</td>
          <td class="num">${pct0(e.knnAccuracy)}</td>
          <td class="num">${ms(e.msPerExample)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

const W = 560;
const H = 260;
const PAD = { left: 48, right: 24, top: 24, bottom: 40 };

/** Milliseconds with two significant digits (0.043, 1.2, 310). */
/** @param {unknown} v */
const ms = (v) => (typeof v === 'number' && v > 0 ? String(Number(v.toPrecision(2))) : '–');

/**
 * Accuracy (with its interval) against cost per example on a log axis; the pick is filled.
 * @param {{ ranking: Candidate[] }} props
 */
export function CandidateChart({ ranking }) {
  const costs = ranking.map((e) => Math.max(e.msPerExample, 0.01));
  const lo = Math.log10(Math.min(...costs)) - 0.15;
  const hi = Math.log10(Math.max(...costs)) + 0.15;
  /** @param {number} ms */
  const x = (ms) =>
    PAD.left + ((Math.log10(Math.max(ms, 0.01)) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const yMin = Math.max(0, Math.floor(Math.min(...ranking.map((e) => e.accuracyInterval.low)) * 10) / 10);
  /** @param {number} a */
  const y = (a) => PAD.top + ((1 - a) / (1 - yMin || 1)) * (H - PAD.top - PAD.bottom);
  const yTicks = [];
  for (let t = yMin; t <= 1.0001; t += (1 - yMin) / 4) yTicks.push(t);
  const xTicks = [];
  for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) xTicks.push(10 ** p);
  if (xTicks.length < 2)
    xTicks.push(...[Math.min(...costs), Math.max(...costs)].map((v) => Number(v.toPrecision(2))));
  return html`<figure class="chart advisor-chart" data-testid="advisor-chart" data-points=${ranking.length}>
    <svg
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-label=${`Candidates: ${ranking.map((e) => `${e.baseName} at ${e.cutAt} ${Math.round(e.accuracy * 100)}% at ${ms(e.msPerExample)} ms`).join('; ')}`}
    >
      ${yTicks.map(
        (t) => html`<g>
          <line class="grid" x1=${PAD.left} x2=${W - PAD.right} y1=${y(t)} y2=${y(t)} />
          <text class="tick" x=${PAD.left - 6} y=${y(t) + 4} text-anchor="end">${Math.round(t * 100)}%</text>
        </g>`,
      )}
      ${xTicks.map(
        (t) => html`<text class="tick" x=${x(t)} y=${H - PAD.bottom + 16} text-anchor="middle">${t}</text>`,
      )}
      <text class="axis-label" x=${(W + PAD.left) / 2} y=${H - 4} text-anchor="middle">
        ms per example (log scale)
      </text>
      ${ranking.map(
        (e) => html`<g class="candidate" data-testid="advisor-point">
          <title>
            ${`#${e.rank} ${e.baseName} @ ${e.cutAt}: ${Math.round(e.accuracy * 100)}% (${Math.round(e.accuracyInterval.low * 100)} to ${Math.round(e.accuracyInterval.high * 100)}), ${ms(e.msPerExample)} ms per example`}
          </title>
          <line
            class="adv-range"
            x1=${x(e.msPerExample)}
            x2=${x(e.msPerExample)}
            y1=${y(e.accuracyInterval.low)}
            y2=${y(e.accuracyInterval.high)}
          />
          <circle
            class=${e.rank === 1 ? 'adv-pick' : 'adv-point'}
            cx=${x(e.msPerExample)}
            cy=${y(e.accuracy)}
            r="5"
          />
          <text class="tick" x=${x(e.msPerExample) + 8} y=${y(e.accuracy) - 6}>${e.rank}</text>
        </g>`,
      )}
    </svg>
    <figcaption class="muted small">
      Each point is a candidate (its rank beside it; the pick filled); the vertical line is the 95% interval of its
      accuracy.
    </figcaption>
  </figure>`;
}
