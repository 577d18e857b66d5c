// Shared pieces of the views: the html tag, data loading, formatting, bars, errors.
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { apiBlob } from './api.js';

export const html = htm.bind(h);

/** Loads `fn()` when `deps` change; `reload()` runs it again. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ loading: true, data: undefined, error: undefined });
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

export function navigate(hash) {
  if (location.hash !== hash) location.hash = hash;
}

export const fmt = {
  int: (n) => (typeof n === 'number' ? n.toLocaleString('en') : '–'),
  num: (n, digits = 3) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '–'),
  pct: (n) => (typeof n === 'number' && Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–'),
  date: (s) => (s ? new Date(s).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '–'),
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
  shape: (s) =>
    Array.isArray(s)
      ? Array.isArray(s[0])
        ? s.map(fmt.shape).join(', ')
        : `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`
      : '–',
  duration: (ms) => {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
  },
};

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<div class="note error" role="alert">
    <strong>${error.status ? `Error ${error.status}` : 'Error'}:</strong> ${error.message}
    ${
      error.errors?.length > 0 &&
      html`<ul>
        ${error.errors.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
      </ul>`
    }
  </div>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="muted" role="status">${what}…</p>`;
}

/** Horizontal bars, each labelled with its value; `max` defaults to the largest value. */
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

/** An image from the API (fetched with the key, shown through an object URL). */
export function ApiImage({ src, alt, ...rest }) {
  const [url, setUrl] = useState();
  useEffect(() => {
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

/** A button that asks once more before doing something that cannot be undone. */
export function ConfirmButton({ label, confirmLabel = 'Yes, delete', onConfirm, disabled }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const yes = useRef();
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

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`}>${state}</span>`;
}

/** A file drop zone around a real file input (so it works from the keyboard as well). */
export function DropZone({ id, label, hint, accept, multiple = false, onFiles, disabled }) {
  const [over, setOver] = useState(false);
  return html`<div
    class=${`dropzone${over ? ' over' : ''}`}
    data-testid=${`${id}-zone`}
    onDragOver=${(e) => {
      e.preventDefault();
      setOver(true);
    }}
    onDragLeave=${() => setOver(false)}
    onDrop=${(e) => {
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
      onChange=${(e) => {
        if (e.currentTarget.files?.length) onFiles([...e.currentTarget.files]);
      }}
    />
    ${hint && html`<p class="muted small">${hint}</p>`}
  </div>`;
}
