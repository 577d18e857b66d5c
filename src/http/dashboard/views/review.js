// Learning from production inputs: capture settings on a model's page, the review queue
// labelled from the keyboard, and the retrain that closes the loop.
import { useEffect, useState } from 'preact/hooks';
import { can } from '../access.js';
import { api, apiBlob } from '../api.js';
import { ApiImage, ErrorNote, Loading, fmt, html, inputValue, navigate, useError, useLoad } from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { Capture, Model, Page, Retrain, ReviewEntry, Schemas } from '../types.js' */

/** @typedef {Schemas['ReviewDecision']} Decision */
/** @typedef {(item: ReviewEntry, body: Decision, what: string) => Promise<void>} Decide */

/**
 * Capture settings on a model's page: what is held and the way to the review queue, and with
 * the train role on/off, rate and bound (README "Learning from production inputs").
 * @param {{ model: Model }} props
 */
export function CapturePanel({ model }) {
  /** @type {Loaded<Capture>} */
  const view = useLoad(() => api(`/v1/models/${model.id}/capture`), [model.id]);
  const [rate, setRate] = useState('');
  const [maxItems, setMaxItems] = useState('');
  const [error, setError] = useError();
  const current = view.data;
  /** @param {boolean} on */
  const save = async (on) => {
    setError(undefined);
    try {
      const r = on ? Number(rate || current?.capture.rate || 0.1) : 0;
      const m = Number(maxItems || current?.capture.maxItems || 1000);
      await api(`/v1/models/${model.id}`, { method: 'PATCH', json: { capture: { rate: r, maxItems: m } } });
      view.reload();
    } catch (err) {
      setError(err);
    }
  };
  if (!current) return html`<section class="card"><${Loading} /></section>`;
  const on = current.capture.rate > 0;
  return html`<section class="card" aria-labelledby="capture-title" data-testid="capture-panel">
    <h2 id="capture-title">Learning from production inputs</h2>
    <p class="muted">
      Off by default. When on, a share of the inputs sent to predict is kept with the answer, to label
      the ones worth it. Captured inputs stay in this service's store and can be deleted at any time.
    </p>
    <p data-testid="capture-state">
      ${
        on
          ? `Capturing ${fmt.pct(current.capture.rate)} of predicted inputs, at most ${fmt.int(current.capture.maxItems)} unreviewed.`
          : 'Capture is off.'
      }
      ${' '}${fmt.int(current.items)} held (${fmt.int(current.reviewed)} reviewed, ${fmt.bytes(current.bytes)}).
    </p>
    <div class="row">
      ${
        can('train') &&
        html`<label>Rate <input size="5" placeholder=${String(current.capture.rate || 0.1)} value=${rate} onInput=${inputValue(setRate)} /></label>
          <label>Keep at most <input size="6" placeholder=${String(current.capture.maxItems)} value=${maxItems} onInput=${inputValue(setMaxItems)} /></label>
          <button type="button" class="primary" onClick=${() => save(true)}>${on ? 'Update' : 'Turn capture on'}</button>
          ${on && html`<button type="button" onClick=${() => save(false)}>Turn off</button>`}`
      }
      <a class="button" href=${`#/models/${model.id}/review`}>Review queue</a>
    </div>
    <${ErrorNote} error=${error} />
  </section>`;
}

/**
 * The captured input: a thumbnail for an image, the JSON instance otherwise.
 * @param {{ modelId: string, item: ReviewEntry }} props
 */
function CapturedInput({ modelId, item }) {
  const src = `/v1/models/${modelId}/review/${item.id}/input`;
  const [text, setText] = useState(/** @type {string | undefined} */ (undefined));
  const [image, setImage] = useState(false);
  useEffect(() => {
    let live = true;
    apiBlob(src).then(
      async (blob) => {
        if (!live) return;
        if (blob.type.startsWith('image/')) setImage(true);
        else setText(await blob.text());
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [src]);
  if (image) return html`<${ApiImage} src=${src} alt=${`captured input ${item.id}`} />`;
  return html`<code class="captured-text">${text ?? '…'}</code>`;
}

/** @type {Record<ReviewEntry['reason'], string>} */
const REASON = {
  novel: 'unlike the training data',
  uncertain: 'the model hesitates',
  confident: 'the model is sure',
  repeat: 'repeats another item',
};

/**
 * Number keys label the selected card, 0 says none of these, x discards, arrows move; nothing
 * without the train role, which labelling needs.
 * @param {{
 *   items: ReviewEntry[], selected: number, setSelected: (update: (s: number) => number) => void,
 *   labels: string[], decide: Decide,
 * }} state
 */
function useReviewKeys({ items, selected, setSelected, labels, decide }) {
  useEffect(() => {
    if (!can('train')) return undefined;
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (e.target instanceof HTMLInputElement || e.metaKey || e.ctrlKey || e.altKey) return;
      const item = items[selected];
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown')
        setSelected((s) => Math.min(s + 1, items.length - 1));
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0));
      else if (!item) return;
      else if (/^[1-9]$/.test(e.key) && labels[Number(e.key) - 1] !== undefined) {
        const label = labels[Number(e.key) - 1] ?? '';
        void decide(item, { label }, label);
      } else if (e.key === '0') void decide(item, { unknown: true }, 'none of these');
      else if (e.key === 'x' || e.key === 'Delete') void decide(item, { discard: true }, 'discarded');
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [items, selected, labels]);
}

/**
 * The loop's last step (README "Retrain"): the labelled items join a new version of the model's
 * dataset and the next version trains on it, starting from this model; then the job's page.
 * @param {{ id: string, reviewedHere: number }} props
 */
function RetrainCard({ id, reviewedHere }) {
  /** @type {Loaded<Capture>} */
  const view = useLoad(() => api(`/v1/models/${id}/capture`), [id, reviewedHere]);
  const [error, setError] = useError();
  const [busy, setBusy] = useState(false);
  const reviewed = view.data?.reviewed ?? 0;
  const retrain = async () => {
    setBusy(true);
    setError(undefined);
    try {
      /** @type {Retrain} */
      const r = await api(`/v1/models/${id}/retrain`, { method: 'POST', json: {} });
      navigate(`#/jobs/${r.job.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="retrain-title" data-testid="retrain-card">
    <h2 id="retrain-title">Retrain</h2>
    <p class="muted">
      ${fmt.int(reviewed)} item(s) reviewed. The labelled ones join a new version of the model's dataset, and
      the next version of the model trains on it with the same recipe, starting from this model. Compare the
      two and promote the better one from the model's page.
    </p>
    <button type="button" class="primary" disabled=${busy || reviewed === 0} onClick=${retrain}>
      ${busy ? 'Starting…' : 'Retrain from the labelled items'}
    </button>
    <${ErrorNote} error=${error} />
  </section>`;
}

/**
 * The queue and the decisions taken on this page: `decide` posts one and drops its item.
 * @param {string} id the model's
 */
function useReview(id) {
  /** @type {Loaded<Model>} */
  const model = useLoad(() => api(`/v1/models/${id}`), [id]);
  /** @type {Loaded<Page<ReviewEntry> & { total: number }>} */
  const queue = useLoad(() => api(`/v1/models/${id}/review?limit=60`), [id]);
  const [selected, setSelected] = useState(0);
  const [done, setDone] = useState(/** @type {Record<string, string>} */ ({}));
  const [error, setError] = useError();
  const items = (queue.data?.items ?? []).filter((i) => !done[i.id]);
  const labels = model.data?.labels ?? [];
  /** @type {Decide} */
  const decide = async (item, body, what) => {
    setError(undefined);
    try {
      await api(`/v1/models/${id}/review/${item.id}`, { method: 'POST', json: body });
      setDone((d) => ({ ...d, [item.id]: what }));
    } catch (err) {
      setError(err);
    }
  };
  useReviewKeys({ items, selected, setSelected, labels, decide });
  return { model, queue, items, labels, selected, setSelected, reviewed: Object.keys(done).length, error };
}

/**
 * The cards to review, the selected one marked; a click selects.
 * @param {{ id: string, items: ReviewEntry[], selected: number, setSelected: (i: number) => void }} props
 */
function ReviewGrid({ id, items, selected, setSelected }) {
  if (items.length === 0)
    return html`<p data-testid="review-empty">Nothing to review. Turn capture on from the model's page, then send predictions.</p>`;
  return html`<ul class="review-grid" data-testid="review-grid">
    ${items.map(
      (item, i) => html`<li
        class=${i === Math.min(selected, items.length - 1) ? 'review-card selected' : 'review-card'}
        data-testid="review-item"
        data-id=${item.id}
        onClick=${() => setSelected(i)}
      >
        <${CapturedInput} modelId=${id} item=${item} />
        <span><strong>${item.suggestedLabel}</strong> ${fmt.pct(item.score)}</span>
        <span class="small muted">${REASON[item.reason]}${item.novelty === null ? '' : `, novelty ${fmt.num(item.novelty, 2)}`}</span>
      </li>`,
    )}
  </ul>`;
}

/**
 * The review queue: most valuable first, labelled from the keyboard as labelling tools do. The
 * selected card takes 1..9 for the model's classes, 0 for "none of these", x to discard, and the
 * arrow keys to move.
 * @param {{ id: string }} props
 */
export function ReviewView({ id }) {
  const { model, queue, items, labels, selected, setSelected, reviewed, error } = useReview(id);
  if ((model.loading && !model.data) || (queue.loading && !queue.data)) return html`<${Loading} />`;
  if (model.error || queue.error || !model.data || !queue.data)
    return html`<h1>Review</h1><${ErrorNote} error=${model.error ?? queue.error} />`;
  const m = model.data;
  const title = m.name ? `${m.name} v${m.version}` : m.id;
  return html`<nav aria-label="Breadcrumb" class="crumbs">
      <a href="#/models">Models</a> / <a href=${`#/models/${id}`}>${title}</a> / Review
    </nav>
    <h1>Review queue</h1>
    ${
      can('train')
        ? html`<p class="muted" data-testid="review-help">
            Keys: ${labels.slice(0, 9).map((l, i) => html`<kbd>${i + 1}</kbd> ${l}${' '}`)}
            <kbd>0</kbd>${' none of these, '}<kbd>x</kbd>${` discard, arrows to move. ${fmt.int(queue.data.total)} waiting, most valuable first; ${reviewed} reviewed here.`}
          </p>`
        : html`<p class="muted" data-testid="review-help">
            ${fmt.int(queue.data.total)} waiting, most valuable first. Labelling them needs the train role.
          </p>`
    }
    <${ErrorNote} error=${error} />
    <${ReviewGrid} id=${id} items=${items} selected=${selected} setSelected=${setSelected} />
    ${can('train') && html`<${RetrainCard} id=${id} reviewedHere=${reviewed} />`}`;
}
