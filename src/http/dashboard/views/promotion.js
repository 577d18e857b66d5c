// A named classifier's aliases, a comparison of two of its versions, and promotion behind an alias.
import { useState } from 'preact/hooks';
import { can } from '../access.js';
import { api } from '../api.js';
import { ErrorNote, fmt, html, inputValue, useError, useLoad } from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { Alias, AliasList, Comparison, Model, ModelSummary, Page, Promotion as PromotionDecision } from '../types.js' */

/**
 * Signed points, for a difference of accuracies: "+4.4 points".
 * @param {number} x
 */
const points = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} points`;

/** @type {Record<Comparison['verdict'], string>} */
const VERDICT = {
  'b-better': 'this version is better',
  'a-better': 'this version is worse',
  'no-clear-difference': 'no clear difference on these examples',
};

/**
 * A paired comparison as words and figures: both accuracies and the difference with its interval.
 * @param {{ c: Comparison }} props
 */
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

/**
 * Where each alias of the name points, since when, and where it pointed before.
 * @param {{ name: string | undefined, aliases: Alias[] }} props
 */
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

/**
 * The alias and policy to promote this version under, and the button.
 * @param {{ model: Model, busy: boolean, onPromote: (alias: string, policy: string) => void }} props
 */
function PromoteForm({ model, busy, onPromote }) {
  const [alias, setAlias] = useState('production');
  const [policy, setPolicy] = useState('not-worse');
  return html`<div class="row">
    <label>
      Promote v${model.version} to
      <input value=${alias} size="12" onInput=${inputValue(setAlias)} data-testid="promote-alias" />
    </label>
    <label>
      if
      <select value=${policy} onChange=${inputValue(setPolicy)} data-testid="promote-policy">
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
 * Runs one action at a time: busy while it runs, its error kept until the next.
 */
function useAction() {
  const [error, setError] = useError();
  const [busy, setBusy] = useState(false);
  /** @param {() => Promise<void>} fn */
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
  return { error, busy, act };
}

/**
 * Whether the alias moved, and why.
 * @param {{ name: string, decision: PromotionDecision }} props
 */
function DecisionNote({ name, decision }) {
  return html`<p data-testid="promotion-decision" class=${decision.promoted ? 'note' : 'note error'}>
    ${decision.promoted ? `Promoted: ${name}@${decision.alias} is now v${decision.version}.` : 'Not promoted.'}
    ${' '}${decision.reason}
  </p>`;
}

/**
 * Aliases of a named classifier, a comparison of this version with another (read), and
 * promotion of this version behind an alias under a policy (train; README "Aliases, comparison
 * and promotion").
 * @param {{ model: Model & { name: string } }} props a named model
 */
export function Promotion({ model }) {
  const name = model.name;
  /** @type {Loaded<AliasList>} */
  const aliases = useLoad(() => api(`/v1/models/${encodeURIComponent(name)}/aliases`), [name, model.id]);
  /** @type {Loaded<Page<ModelSummary>>} */
  const versions = useLoad(() => api(`/v1/models?name=${encodeURIComponent(name)}&limit=100`), [name]);
  const [other, setOther] = useState('');
  const [comparison, setComparison] = useState(/** @type {Comparison | undefined} */ (undefined));
  const [decision, setDecision] = useState(/** @type {PromotionDecision | undefined} */ (undefined));
  const { error, busy, act } = useAction();
  const others = (versions.data?.items ?? []).filter((m) => m.id !== model.id);
  const compare = () =>
    act(async () => {
      setComparison(await api('/v1/models/compare', { method: 'POST', json: { a: other, b: model.id } }));
    });
  /**
   * @param {string} alias
   * @param {string} policy
   */
  const promote = (alias, policy) =>
    act(async () => {
      /** @type {PromotionDecision} */
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
        <select value=${other} onChange=${inputValue(setOther)} data-testid="compare-with">
          <option value="">choose a version</option>
          ${others.map((m) => html`<option value=${m.id}>v${m.version}</option>`)}
        </select>
      </label>
      <button type="button" disabled=${!other || busy} onClick=${compare}>Compare</button>
    </div>
    ${can('train') && html`<${PromoteForm} model=${model} busy=${busy} onPromote=${promote} />`}
    <${ErrorNote} error=${error} />
    ${decision && html`<${DecisionNote} name=${name} decision=${decision} />`}
    ${comparison && html`<${ComparisonResult} c=${comparison} />`}
  </section>`;
}
