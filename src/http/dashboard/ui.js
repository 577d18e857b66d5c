// Shared pieces of the views: the html tag, data loading, formatting, bars, errors.
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { apiBlob, apiKey } from './api.js';
/** @import { ComponentChildren, TargetedEvent } from 'preact' */
/** @import { FieldError } from './types.js' */

export const html = htm.bind(h);

/**
 * What `useLoad` gives: the data once loaded, the error if it failed, and `reload`.
 * @template T
 * @typedef {{ loading: boolean, data: T | undefined, error: unknown, reload: () => void }} Loaded
 */

/**
 * Loads `fn()` when `deps` change; `reload()` runs it again.
 * @template T
 * @param {() => Promise<T>} fn
 * @param {ReadonlyArray<unknown>} deps
 * @returns {Loaded<T>}
 */
export function useLoad(fn, deps) {
  const [state, setState] = useState(
    /** @type {Omit<Loaded<T>, 'reload'>} */ ({ loading: true, data: undefined, error: undefined }),
  );
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => mine === seq.current && setState({ loading: false, data, error: undefined }),
      (error) => mine === seq.current && setState({ loading: false, data: undefined, error }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/**
 * An error to show (an ApiError, a network failure, a local one) or nothing: what `catch` hands on.
 * @returns {[unknown, (error: unknown) => void]}
 */
export function useError() {
  return useState(/** @type {unknown} */ (undefined));
}

/**
 * An input's handler that hands its value to `set`: `onInput=${inputValue(setName)}`.
 * @param {(value: string) => void} set
 * @returns {(e: TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void}
 */
export const inputValue = (set) => (e) => set(e.currentTarget.value);

/** @param {string} hash */
export function navigate(hash) {
  if (location.hash !== hash) location.hash = hash;
}

/** @type {(n: unknown) => n is number} */
const finite = (n) => typeof n === 'number' && Number.isFinite(n);

/** Numbers, dates, sizes and shapes as the views show them; '–' for anything missing. */
export const fmt = {
  /** @param {unknown} n */
  int: (n) => (typeof n === 'number' ? n.toLocaleString('en') : '–'),
  /**
   * @param {unknown} n
   * @param {number} [digits]
   */
  num: (n, digits = 3) => (finite(n) ? n.toFixed(digits) : '–'),
  /** @param {unknown} n */
  pct: (n) => (finite(n) ? `${(n * 100).toFixed(1)} %` : '–'),
  /** @param {string | undefined | null} s an ISO date */
  date: (s) => (s ? new Date(s).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '–'),
  /** @param {unknown} n */
  bytes: (n) => {
    if (typeof n !== 'number') return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  },
  /**
   * `[?, 224, 224, 3]`; several shapes (a multi-output layer's) joined by commas.
   * @param {unknown} s
   * @returns {string}
   */
  shape: (s) =>
    Array.isArray(s)
      ? Array.isArray(s[0])
        ? s.map(fmt.shape).join(', ')
        : `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`
      : '–',
  /** @param {unknown} ms */
  duration: (ms) => {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
  },
};

/**
 * An error as a note: its status, its message and the fields it names.
 * @param {{ error: unknown }} props
 */
export function ErrorNote({ error: shown }) {
  if (!shown) return null;
  const error = /** @type {Error & { status?: number, errors?: FieldError[] }} */ (shown);
  return html`<div class="note error" role="alert">
    <strong>${error.status ? `Error ${error.status}` : 'Error'}:</strong> ${error.message}
    ${
      (error.errors?.length ?? 0) > 0 &&
      html`<ul>
        ${error.errors?.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
      </ul>`
    }
  </div>`;
}

/** @param {{ what?: string }} props */
export function Loading({ what = 'Loading' }) {
  return html`<p class="muted" role="status">${what}…</p>`;
}

/**
 * Horizontal bars, each labelled with its value; `max` defaults to the largest value.
 * @param {{
 *   items: { label: string, value: number }[], max?: number, format?: (n: number) => string,
 *   label: string, testid?: string,
 * }} props
 */
export function Bars({ items, max, format = fmt.int, label, testid }) {
  const top = max ?? Math.max(1, ...items.map((i) => i.value));
  return html`<figure class="bars" aria-label=${label} data-testid=${testid}>
    <ul>
      ${items.map(
        (i) =>
          html`<li class="bar-row">
            <span class="bar-label" title=${i.label}>${i.label}</span>
            <span class="bar-track" aria-hidden="true"
              ><span class="bar-fill" style=${`width:${Math.max(0, (i.value / top) * 100)}%`}></span
            ></span>
            <span class="bar-value">${format(i.value)}</span>
          </li>`,
      )}
    </ul>
  </figure>`;
}

/**
 * An image from the API (fetched with the key, shown through an object URL).
 * @param {{ src: string, alt: string, [attribute: string]: unknown }} props
 */
export function ApiImage({ src, alt, ...rest }) {
  const [url, setUrl] = useState(/** @type {string | undefined} */ (undefined));
  useEffect(() => {
    /** @type {string | undefined} */
    let objectUrl;
    let live = true;
    apiBlob(src).then(
      (blob) => {
        if (!live) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src]);
  return url
    ? html`<img src=${url} alt=${alt} ...${rest} />`
    : html`<span class="thumb-placeholder" aria-hidden="true"></span>`;
}

/**
 * A button that asks once more before doing something that cannot be undone.
 * @param {{ label: string, confirmLabel?: string, onConfirm: () => Promise<void>, disabled?: boolean }} props
 */
export function ConfirmButton({ label, confirmLabel = 'Yes, delete', onConfirm, disabled }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const yes = useRef(/** @type {HTMLButtonElement | null} */ (null));
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) {
    return html`<button type="button" class="danger" disabled=${disabled} onClick=${() => setAsking(true)}>
      ${label}
    </button>`;
  }
  return html`<span class="confirm" role="group" aria-label="Confirm">
    <button
      type="button"
      class="danger"
      ref=${yes}
      disabled=${busy}
      onClick=${async () => {
        setBusy(true);
        try {
          await onConfirm();
        } finally {
          setBusy(false);
          setAsking(false);
        }
      }}
    >
      ${confirmLabel}
    </button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
  </span>`;
}

/** @param {{ state: string }} props */
export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`}>${state}</span>`;
}

/**
 * A file drop zone around a real file input (so it works from the keyboard as well).
 * @param {{
 *   id: string, label: string, hint?: string, accept: string, multiple?: boolean,
 *   onFiles: (files: File[]) => void, disabled?: boolean,
 * }} props
 */
export function DropZone({ id, label, hint, accept, multiple = false, onFiles, disabled }) {
  const [over, setOver] = useState(false);
  return html`<div
    class=${`dropzone${over ? ' over' : ''}`}
    data-testid=${`${id}-zone`}
    onDragOver=${(/** @type {DragEvent} */ e) => {
      e.preventDefault();
      setOver(true);
    }}
    onDragLeave=${() => setOver(false)}
    onDrop=${(/** @type {DragEvent} */ e) => {
      e.preventDefault();
      setOver(false);
      if (!disabled && e.dataTransfer?.files?.length) onFiles([...e.dataTransfer.files]);
    }}
  >
    <label for=${id}>${label}</label>
    <input
      id=${id}
      type="file"
      accept=${accept}
      multiple=${multiple}
      disabled=${disabled}
      onChange=${(/** @type {TargetedEvent<HTMLInputElement>} */ e) => {
        if (e.currentTarget.files?.length) onFiles([...e.currentTarget.files]);
      }}
    />
    ${hint && html`<p class="muted small">${hint}</p>`}
  </div>`;
}

/**
 * A table in its scrolling wrapper: one row of column headers (`<th scope="col">`), then one row
 * per item, its cells from `row`. The views' lists, layer tables and per-epoch values use it.
 * @template T
 * @param {{
 *   head: ComponentChildren[], rows: T[], row: (item: T, index: number) => ComponentChildren,
 *   rowClass?: (item: T) => string, testid?: string, wrap?: string,
 * }} props `head`: each header cell's content; `wrap`: the wrapper's classes
 */
export function Table({ head, rows, row, rowClass, testid, wrap = 'table-wrap' }) {
  return html`<div class=${wrap}>
    <table data-testid=${testid}>
      <thead>
        <tr>
          ${head.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map((item, i) => html`<tr class=${rowClass?.(item)}>${row(item, i)}</tr>`)}
      </tbody>
    </table>
  </div>`;
}

/**
 * A file to save from the API: a plain link, or with an API key a fetch saved as a blob (the
 * browser's own download cannot send the key).
 * @param {{ href: string, filename: string, label: string, testid?: string }} props
 */
export function DownloadLink({ href, filename, label, testid }) {
  const [error, setError] = useError();
  return html`<a
      class="button"
      href=${href}
      download=${filename}
      data-testid=${testid}
      onClick=${async (/** @type {Event} */ e) => {
        if (!apiKey.get()) return;
        e.preventDefault();
        try {
          const url = URL.createObjectURL(await apiBlob(href));
          const a = document.createElement('a');
          a.href = url;
          a.download = filename;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        } catch (err) {
          setError(err);
        }
      }}
      >${label}</a
    >${error && html`<${ErrorNote} error=${error} />`}`;
}
