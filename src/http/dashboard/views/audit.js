// Dataset audits: asked from a dataset page, watched through their event stream, answered with
// the flagged examples grouped by kind (thumbnails or text snippets, the suggested label), and
// buttons that gather relabels and exclusions into one new version of the dataset.
import { useState } from 'preact/hooks';
import { can } from '../access.js';
import { api } from '../api.js';
import { useLiveRecord } from '../live.js';
import { ApiImage, ErrorNote, Loading, StateBadge, fmt, html, navigate, useError, useLoad } from '../ui.js';
/** @import { Audit, Dataset, Finding, Page, TextExample } from '../types.js' */

/**
 * What the user chose for a flagged example: relabel it, or leave it out of the version.
 * @typedef {{ kind: 'relabel', label: string | undefined } | { kind: 'exclude', label?: undefined }} Change
 */
/** @typedef {Map<string, Change>} Changes by example id */

const DONE = new Set(['completed', 'failed', 'cancelled']);
/** @type {[kind: 'label' | 'duplicate' | 'leak' | 'outlier', name: string][]} */
const KINDS = [
  ['label', 'Likely wrong labels'],
  ['duplicate', 'Duplicates'],
  ['leak', 'Leaks across splits'],
  ['outlier', 'Outliers'],
];

/**
 * The card on a dataset page.
 * @param {{ datasetId: string }} props
 */
export function AskAudit({ datasetId }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useError();
  const ask = async () => {
    setBusy(true);
    setError(undefined);
    try {
      /** @type {Audit} */
      const audit = await api(`/v1/datasets/${datasetId}/audits`, { method: 'POST', json: {} });
      navigate(`#/audits/${audit.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="audit-title" data-testid="ask-audit">
    <h2 id="audit-title">Check your data before you train</h2>
    <p class="muted small">
      An audit looks for likely wrong labels, duplicates, copies across splits and outliers, and
      lets you fix them in a new version of this dataset (this one stays as it is).
    </p>
    <${ErrorNote} error=${error} />
    <button type="button" class="button primary" disabled=${busy} onClick=${ask}>
      ${busy ? 'Starting…' : 'Audit this dataset'}
    </button>
  </section>`;
}

/** @param {Audit['progress']} p */
function progressText(p) {
  if (!p) return 'waiting for a worker';
  /** @type {string[]} */
  const parts = [p.phase];
  if (typeof p.examples === 'number')
    parts.push(`${fmt.int(p.examplesDone)} of ${fmt.int(p.examples)} examples`);
  return parts.join(' · ');
}

/** @param {NonNullable<Audit['summary']>['accuracy'] | null | undefined} e */
const estimate = (e) =>
  e
    ? `${fmt.pct(e.value)} (95% interval ${fmt.pct(e.interval.low)}–${fmt.pct(e.interval.high)}, ${fmt.int(e.examples)} examples)`
    : '—';

/**
 * Texts by their source, for snippets (text datasets only).
 * @param {Audit | undefined} audit
 */
function useTexts(audit) {
  return useLoad(async () => {
    /** @type {Map<string, string>} */
    const texts = new Map();
    if (audit?.modality !== 'text') return texts;
    /** @type {Page<TextExample>} */
    const page = await api(`/v1/datasets/${audit.datasetId}/examples?limit=1000`);
    for (const e of page.items) texts.set(e.ref, e.text);
    return texts;
  }, [audit?.datasetId, audit?.modality]);
}

/**
 * A flagged example: its thumbnail, or a snippet of its text.
 * @param {{ audit: Audit, exampleId: string, texts: Map<string, string> | undefined }} props
 */
function Example({ audit, exampleId, texts }) {
  if (audit.modality === 'image')
    return html`<${ApiImage}
      class="audit-thumb"
      src=${`/v1/datasets/${audit.datasetId}/examples/${exampleId}`}
      alt=${exampleId}
    />`;
  const text = texts?.get(exampleId);
  return html`<span class="snippet" title=${text ?? exampleId}
    >${text ? (text.length > 140 ? `${text.slice(0, 140)}…` : text) : exampleId}</span
  >`;
}

/**
 * A finding with its example (and the other of a pair), why it was flagged, and the buttons
 * that choose what the new version does with it.
 * @param {{
 *   audit: Audit, f: Finding, texts: Map<string, string> | undefined, change: Changes,
 *   setChange: (change: Changes) => void,
 * }} props
 */
function FindingRow({ audit, f, texts, change, setChange }) {
  const current = change.get(f.exampleId);
  /** @param {Change | undefined} value */
  const set = (value) => {
    const next = new Map(change);
    if (value === undefined || (current && current.kind === value.kind && current.label === value.label))
      next.delete(f.exampleId);
    else next.set(f.exampleId, value);
    setChange(next);
  };
  return html`<li class="finding" data-testid="finding" data-kind=${f.kind}>
    <div class="finding-examples">
      <${Example} audit=${audit} exampleId=${f.exampleId} texts=${texts} />
      ${f.pair && html`<span aria-hidden="true">≈</span><${Example} audit=${audit} exampleId=${f.pair.exampleId} texts=${texts} />`}
    </div>
    <div>
      <p class="small">
        <strong>${f.label}</strong> · ${f.split} · score ${f.score}
        ${f.conflict && html` · <span class="badge failed">conflict</span>`}
      </p>
      <p class="small muted">${f.reason}</p>
      ${
        can('train') &&
        html`<div class="buttons">
        ${
          f.suggestedLabel &&
          html`<button
            type="button"
            class=${`button small${current?.kind === 'relabel' ? ' primary' : ''}`}
            aria-pressed=${current?.kind === 'relabel'}
            onClick=${() => set({ kind: 'relabel', label: f.suggestedLabel })}
          >
            Relabel as ${f.suggestedLabel}
          </button>`
        }
        <button
          type="button"
          class=${`button small${current?.kind === 'exclude' ? ' primary' : ''}`}
          aria-pressed=${current?.kind === 'exclude'}
          onClick=${() => set({ kind: 'exclude' })}
        >
          Exclude
        </button>
      </div>`
      }
    </div>
  </li>`;
}

/**
 * What the audit suggests for every finding: relabel wrong labels, exclude the rest.
 * @param {Finding[]} findings
 */
function suggested(findings) {
  /** @type {Changes} */
  const out = new Map();
  for (const f of findings) {
    if (f.kind === 'label') out.set(f.exampleId, { kind: 'relabel', label: f.suggestedLabel });
  }
  for (const f of findings) if (!out.has(f.exampleId)) out.set(f.exampleId, { kind: 'exclude' });
  return out;
}

/**
 * The changes chosen so far, and the buttons that take every suggestion, clear them, or make
 * the new version.
 * @param {{ audit: Audit, change: Changes, setChange: (change: Changes) => void }} props
 */
function VersionBar({ audit, change, setChange }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useError();
  const create = async () => {
    setBusy(true);
    setError(undefined);
    /** @type {string[]} */
    const exclude = [];
    /** @type {{ exampleId: string, label: string | undefined }[]} */
    const relabel = [];
    for (const [exampleId, c] of change) {
      if (c.kind === 'exclude') exclude.push(exampleId);
      else relabel.push({ exampleId, label: c.label });
    }
    try {
      /** @type {Dataset} */
      const ds = await api(`/v1/datasets/${audit.datasetId}/versions`, {
        method: 'POST',
        json: { exclude, relabel, auditId: audit.id },
      });
      navigate(`#/datasets/${ds.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="fix-title" data-testid="audit-fix">
    <h2 id="fix-title">Fix in a new version</h2>
    <p class="muted small">
      ${fmt.int(change.size)} change(s) chosen. The dataset itself stays as it is; the version
      records it as its parent.
    </p>
    <${ErrorNote} error=${error} />
    <div class="buttons">
      <button type="button" class="button" onClick=${() => setChange(suggested(audit.findings ?? []))}>
        Take every suggestion
      </button>
      <button type="button" class="button" disabled=${change.size === 0} onClick=${() => setChange(new Map())}>
        Clear
      </button>
      <button type="button" class="button primary" disabled=${busy || change.size === 0} onClick=${create}>
        ${busy ? 'Creating…' : 'Create the version'}
      </button>
    </div>
  </section>`;
}

/** @param {{ id: string }} props */
export function AuditView({ id }) {
  /** @type {ReturnType<typeof useLiveRecord<Audit>>} */
  const { record: audit, error } = useLiveRecord(`/v1/audits/${id}`, { readFirst: true });
  const texts = useTexts(audit);
  const [change, setChange] = useState(() => /** @type {Changes} */ (new Map()));
  if (error)
    return html`<h1>Audit</h1>
      <${ErrorNote} error=${error} />`;
  if (!audit) return html`<${Loading} />`;
  const s = audit.summary;
  const findings = audit.findings ?? [];
  return html`<nav aria-label="Breadcrumb" class="crumbs">
      <a href="#/datasets">Datasets</a> / <a href=${`#/datasets/${audit.datasetId}`}>${audit.datasetId}</a> / audit
    </nav>
    <h1>Audit <${StateBadge} state=${audit.state} /></h1>
    ${!DONE.has(audit.state) && html`<p class="note" role="status" data-testid="audit-progress">${progressText(audit.progress)}</p>`}
    ${audit.error && html`<div class="note error" role="alert">${audit.error}</div>`}
    ${
      s &&
      html`<section class="card" aria-labelledby="summary-title" data-testid="audit-summary">
        <h2 id="summary-title">Summary</h2>
        <p>
          ${KINDS.map(([k, name]) => `${name}: ${fmt.int(s.counts[k])}`).join(' · ')} · conflicting labels:
          ${fmt.int(s.counts.conflict)}
        </p>
        <p class="small">Probe accuracy (out-of-fold, ${audit.repeats}×${audit.folds}-fold): ${estimate(s.accuracy)}</p>
        <p class="small">Without the ${fmt.int(s.flaggedExamples)} flagged examples: ${estimate(s.accuracyWithoutFlagged)}</p>
        ${(audit.dataset ?? []).map((d) => html`<p class="note small">${d.message}</p>`)}
        ${(audit.warnings ?? []).map((w) => html`<p class="muted small">${w}</p>`)}
      </section>`
    }
    ${s && can('train') && html`<${VersionBar} audit=${audit} change=${change} setChange=${setChange} />`}
    ${KINDS.map(([kind, name]) => {
      const of = findings.filter((f) => f.kind === kind);
      if (of.length === 0) return null;
      return html`<section class="card" aria-labelledby=${`kind-${kind}`}>
        <h2 id=${`kind-${kind}`}>${name} (${fmt.int(of.length)})</h2>
        <ul class="findings">
          ${of.map(
            (f) => html`<${FindingRow}
              key=${`${f.kind}:${f.exampleId}`}
              audit=${audit}
              f=${f}
              texts=${texts.data}
              change=${change}
              setChange=${setChange}
            />`,
          )}
        </ul>
      </section>`;
    })}`;
}
