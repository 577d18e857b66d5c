import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNote, fmt, html, useLoad } from '../ui.js';

/** Signed points, for a difference of accuracies: "+4.4 points". */
const points = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} points`;

const VERDICT = {
  'b-better': 'this version is better',
  'a-better': 'this version is worse',
  'no-clear-difference': 'no clear difference on these examples',
};

/** A paired comparison as words and figures: both accuracies and the difference with its interval. */
function ComparisonResult({ c }) {
  return html`<div data-testid="comparison">
    <p>
      <strong>${VERDICT[c.verdict]}</strong>: ${points(c.difference.accuracy)}
      ${`(95% interval ${points(c.difference.low)} to ${points(c.difference.high)})`}, on
      ${fmt.int(c.examples)} examples both were evaluated on${
        c.labelChanged > 0 ? `; ${c.labelChanged} relabelled examples left out` : ''
      }.
    </p>
    <table>
      <thead>
        <tr><th>Version</th><th>Accuracy</th><th>95% interval</th></tr>
      </thead>
      <tbody>
        ${[c.a, c.b].map(
          (s) =>
            html`<tr>
              <td><a href=${`#/models/${s.id}`}>${s.name ? `v${s.version}` : s.id}</a></td>
              <td>${fmt.pct(s.accuracy)}</td>
              <td>${fmt.pct(s.low)} to ${fmt.pct(s.high)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">${c.basis}; the interval is Newcombe's for paired proportions.</p>
  </div>`;
}

/** Where each alias of the name points, since when, and where it pointed before. */
function AliasTable({ name, aliases }) {
  if (aliases.length === 0) {
    return html`<p class="muted" data-testid="no-aliases">No alias points at a version of ${name} yet.</p>`;
  }
  return html`<div class="table-wrap">
    <table data-testid="aliases-table">
      <thead>
        <tr><th>Alias</th><th>Version</th><th>Since</th><th>Before</th></tr>
      </thead>
      <tbody>
        ${aliases.map(
          (a) =>
            html`<tr>
              <td><code>${name}@${a.alias}</code></td>
              <td>${a.modelId ? html`<a href=${`#/models/${a.modelId}`}>v${a.version}</a>` : `v${a.version}`}</td>
              <td>${fmt.date(a.movedAt)}</td>
              <td>${a.previous ? `v${a.previous}` : '–'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The alias and policy to promote this version under, and the button. */
function PromoteForm({ model, busy, onPromote }) {
  const [alias, setAlias] = useState('production');
  const [policy, setPolicy] = useState('not-worse');
  return html`<div class="row">
    <label>
      Promote v${model.version} to
      <input value=${alias} size="12" onInput=${(e) => setAlias(e.currentTarget.value)} data-testid="promote-alias" />
    </label>
    <label>
      if
      <select value=${policy} onChange=${(e) => setPolicy(e.currentTarget.value)} data-testid="promote-policy">
        <option value="not-worse">not worse by more than 2 points</option>
        <option value="better">shown better</option>
        <option value="manual">always (manual)</option>
      </select>
    </label>
    <button type="button" class="primary" disabled=${busy || !alias} onClick=${() => onPromote(alias, policy)}>
      Promote
    </button>
  </div>`;
}

/**
 * Aliases of a named classifier, a comparison of this version with another, and promotion of
 * this version behind an alias under a policy (README "Aliases, comparison and promotion").
 */
export function Promotion({ model }) {
  const name = model.name;
  const aliases = useLoad(() => api(`/v1/models/${encodeURIComponent(name)}/aliases`), [name, model.id]);
  const versions = useLoad(() => api(`/v1/models?name=${encodeURIComponent(name)}&limit=100`), [name]);
  const [other, setOther] = useState('');
  const [comparison, setComparison] = useState();
  const [decision, setDecision] = useState();
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const act = async (fn) => {
    setError(undefined);
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const others = (versions.data?.items ?? []).filter((m) => m.id !== model.id);
  const compare = () =>
    act(async () => {
      setComparison(await api('/v1/models/compare', { method: 'POST', json: { a: other, b: model.id } }));
    });
  const promote = (alias, policy) =>
    act(async () => {
      const d = await api(`/v1/models/${encodeURIComponent(name)}/promote`, {
        method: 'POST',
        json: { version: model.version, to: alias, policy },
      });
      setDecision(d);
      if (d.comparison) setComparison(d.comparison);
      aliases.reload();
    });

  return html`<section class="card" aria-labelledby="promotion-title" data-testid="promotion">
    <h2 id="promotion-title">Aliases and promotion</h2>
    <p class="muted">
      Clients call <code>${name}@production</code> and never change their URL; promote a version when it is
      not worse than the one behind the alias.
    </p>
    <${AliasTable} name=${name} aliases=${aliases.data?.aliases ?? []} />
    <div class="row">
      <label>
        Compare v${model.version} with
        <select value=${other} onChange=${(e) => setOther(e.currentTarget.value)} data-testid="compare-with">
          <option value="">choose a version</option>
          ${others.map((m) => html`<option value=${m.id}>v${m.version}</option>`)}
        </select>
      </label>
      <button type="button" disabled=${!other || busy} onClick=${compare}>Compare</button>
    </div>
    <${PromoteForm} model=${model} busy=${busy} onPromote=${promote} />
    <${ErrorNote} error=${error} />
    ${
      decision &&
      html`<p data-testid="promotion-decision" class=${decision.promoted ? 'note' : 'note error'}>
        ${decision.promoted ? `Promoted: ${name}@${decision.alias} is now v${decision.version}.` : 'Not promoted.'}
        ${' '}${decision.reason}
      </p>`
    }
    ${comparison && html`<${ComparisonResult} c=${comparison} />`}
  </section>`;
}
