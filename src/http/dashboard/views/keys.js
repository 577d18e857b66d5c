// Keys (admin): the project's keys with a form to create one and a button to revoke a runtime
// key, and the project's audit log, newest first, paged with "Older" (README "Projects and keys").
import { useRef, useState } from 'preact/hooks';
import { whoAmI } from '../access.js';
import { api } from '../api.js';
import { ConfirmButton, ErrorNote, Loading, Table, fmt, html, inputValue, useError, useLoad } from '../ui.js';
/** @import { Loaded } from '../ui.js' */
/** @import { ApiKey, AuditLogEntry, AuditPage, CreatedApiKey, Page } from '../types.js' */
/** @import { Role } from '../access.js' */

/** @type {Role[]} */
const ROLES = ['read', 'predict', 'train', 'admin'];

/** Entries per page of the audit log. */
const AUDIT_PAGE = 50;

/** Why a configured key has no Revoke button, by where it is configured. */
const CONFIGURED = {
  env: 'Set in API_KEYS: remove it there and restart to revoke it.',
  file: 'Set in the keys file: remove it there and restart to revoke it.',
};

/** @param {string} s an ISO date, to the second */
const when = (s) => new Date(s).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * The key just created, shown once with a button that copies it.
 * @param {{ created: CreatedApiKey, onDone: () => void }} props
 */
function NewKeyShown({ created, onDone }) {
  const [copied, setCopied] = useState(/** @type {string | undefined} */ (undefined));
  const secret = useRef(/** @type {HTMLElement | null} */ (null));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('Copied.');
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for Ctrl+C instead.
      const range = document.createRange();
      if (secret.current) range.selectNodeContents(secret.current);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      setCopied('Selected: copy it with Ctrl+C.');
    }
  };
  return html`<div class="new-key" role="status" aria-labelledby="new-key-title" data-testid="new-key">
    <h3 id="new-key-title">Key <code>${created.id}</code> created</h3>
    <p><strong>Copy it now: it will not be shown again.</strong> Send it as <code>Authorization: Bearer ${'<key>'}</code>.</p>
    <div class="new-key-row">
      <code class="secret" ref=${secret} data-testid="new-key-secret">${created.key}</code>
      <button type="button" class="primary" onClick=${copy}>Copy</button>
      <button type="button" onClick=${onDone}>Done</button>
    </div>
    ${copied && html`<p class="small" data-testid="copied">${copied}</p>`}
  </div>`;
}

/** @param {string} text comma-separated model names or ids */
const modelList = (text) =>
  text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);

/**
 * Id, roles and optional models: POST /v1/keys, then the key itself, once.
 * @param {{ onCreated: () => void }} props
 */
function NewKeyForm({ onCreated }) {
  const [id, setId] = useState('');
  const [roles, setRoles] = useState(/** @type {Role[]} */ ([]));
  const [models, setModels] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState(/** @type {CreatedApiKey | undefined} */ (undefined));
  const [error, setError] = useError();
  /** @param {Role} role */
  const toggle = (role) =>
    setRoles((rs) => (rs.includes(role) ? rs.filter((r) => r !== role) : [...rs, role]));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    setBusy(true);
    const limited = modelList(models);
    try {
      /** @type {CreatedApiKey} */
      const key = await api('/v1/keys', {
        method: 'POST',
        json: {
          id: id.trim(),
          roles: ROLES.filter((r) => roles.includes(r)),
          ...(limited.length ? { models: limited } : {}),
        },
      });
      setCreated(key);
      setId('');
      setRoles([]);
      setModels('');
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="new-key-form-title">
    <h2 id="new-key-form-title">Create a key</h2>
    ${created && html`<${NewKeyShown} created=${created} onDone=${() => setCreated(undefined)} />`}
    <form onSubmit=${submit}>
      <div class="row">
        <div class="field">
          <label for="key-id">Id</label>
          <input id="key-id" required maxlength="64" pattern="[A-Za-z0-9._\\-]+" autocomplete="off" placeholder="shop-app" value=${id} onInput=${inputValue(setId)} />
        </div>
        <fieldset class="roles">
          <legend>Roles</legend>
          ${ROLES.map(
            (r) =>
              html`<label class="check"><input type="checkbox" checked=${roles.includes(r)} onChange=${() => toggle(r)} /> ${r}</label>`,
          )}
        </fieldset>
        <div class="field grow">
          <label for="key-models">Models (optional)</label>
          <input id="key-models" placeholder="flowers, m_…" value=${models} onInput=${inputValue(setModels)} />
          <p class="muted small">Names or ids, comma-separated: the only models the key may predict with. Empty: every model of the project.</p>
        </div>
      </div>
      <${ErrorNote} error=${error} />
      <button type="submit" class="primary" disabled=${busy || !id.trim() || roles.length === 0}>Create key</button>
    </form>
  </section>`;
}

/**
 * A key's last cell: Revoke for a runtime key (after a confirmation), else why it stays.
 * @param {{ k: ApiKey, onRevoked: () => void, onError: (err: unknown) => void }} props
 */
function RevokeCell({ k, onRevoked, onError }) {
  if (k.source !== 'runtime') return html`<span class="muted small">${CONFIGURED[k.source]}</span>`;
  return html`<${ConfirmButton}
    label="Revoke"
    confirmLabel=${k.id === whoAmI()?.keyId ? 'Yes, revoke this key (you are using it)' : 'Yes, revoke'}
    onConfirm=${async () => {
      onError(undefined);
      try {
        await api(`/v1/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
        onRevoked();
      } catch (err) {
        onError(err);
      }
    }}
  />`;
}

/** @param {ApiKey} k */
function createdText(k) {
  if (!k.createdAt) return '–';
  return `${fmt.date(k.createdAt)}${k.createdBy ? ` by ${k.createdBy}` : ''}`;
}

/**
 * The project's keys, each with its roles, models, where it comes from and who made it.
 * @param {{ list: Loaded<Page<ApiKey>>, onRevoked: () => void }} props
 */
function KeyList({ list, onRevoked }) {
  const [error, setError] = useError();
  const me = whoAmI()?.keyId;
  return html`<section class="card" aria-labelledby="keys-title">
    <h2 id="keys-title">The project's keys</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorNote} error=${list.error} />
    <${ErrorNote} error=${error} />
    ${
      list.data &&
      (list.data.items.length === 0
        ? html`<p class="muted">No keys: this service asks for none.</p>`
        : html`<${Table}
            testid="keys-table"
            head=${['Id', 'Roles', 'Models', 'Source', 'Created', html`<span class="sr-only">Revoke</span>`]}
            rows=${list.data.items}
            row=${(/** @type {ApiKey} */ k) =>
              html`<td><code>${k.id}</code>${k.id === me && html` <span class="badge">this key</span>`}</td>
                <td>${k.roles.join(', ')}</td>
                <td>${k.models ? k.models.join(', ') : html`<span class="muted">all</span>`}</td>
                <td>${k.source}</td>
                <td>${createdText(k)}</td>
                <td><${RevokeCell} k=${k} onRevoked=${onRevoked} onError=${setError} /></td>`}
          />`)
    }
  </section>`;
}

/** @param {{ outcome: AuditLogEntry['outcome'] }} props */
const Outcome = ({ outcome }) => html`<span class=${`badge outcome-${outcome}`}>${outcome}</span>`;

/**
 * Newer and Older: the page before (kept as the cursors followed so far) and after this one.
 * @param {{ cursors: (string | undefined)[], next: string | undefined, setCursors: (c: (string | undefined)[]) => void }} props
 */
function AuditPager({ cursors, next, setCursors }) {
  if (cursors.length === 1 && !next) return null;
  return html`<div class="actions">
    <button type="button" disabled=${cursors.length === 1} onClick=${() => setCursors([undefined])}>Newest</button>
    <button type="button" disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Newer</button>
    <button type="button" disabled=${!next} onClick=${() => next && setCursors([...cursors, next])}>Older</button>
    <span class="muted small">page ${cursors.length}</span>
  </div>`;
}

/**
 * The project's audit log, newest first, a page at a time; `version` changes reload its first page.
 * @param {{ version: number }} props
 */
function AuditLog({ version }) {
  const [paging, setPaging] = useState({
    version,
    cursors: /** @type {(string | undefined)[]} */ ([undefined]),
  });
  const cursors = paging.version === version ? paging.cursors : [undefined];
  const before = cursors[cursors.length - 1];
  /** @type {Loaded<AuditPage>} */
  const log = useLoad(
    () => api(`/v1/audit-log?limit=${AUDIT_PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`),
    [before, version],
  );
  /** @param {(string | undefined)[]} c */
  const setCursors = (c) => setPaging({ version, cursors: c });
  return html`<section class="card" aria-labelledby="audit-log-title">
    <div class="card-head">
      <h2 id="audit-log-title">Audit log</h2>
      <button type="button" onClick=${log.reload}>Refresh</button>
    </div>
    <p class="muted small">Every request of the project that changes something: who made it, on what, and how it ended.</p>
    ${log.loading && !log.data && html`<${Loading} />`}
    <${ErrorNote} error=${log.error} />
    ${
      log.data &&
      (log.data.items.length === 0
        ? html`<p class="muted">Nothing yet.</p>`
        : html`<${Table}
            testid="audit-log-table"
            head=${['Time', 'Key', 'Method', 'Route', 'Object', 'Status', 'Outcome']}
            rows=${log.data.items}
            row=${(/** @type {AuditLogEntry} */ e) =>
              html`<td>${when(e.at)}</td>
                <td><code>${e.keyId}</code></td>
                <td>${e.method}</td>
                <td><code>${e.route}</code></td>
                <td>${e.objectId ? html`<code>${e.objectId}</code>` : '–'}</td>
                <td>${e.status}</td>
                <td><${Outcome} outcome=${e.outcome} /></td>`}
          />`)
    }
    ${log.data && html`<${AuditPager} cursors=${cursors} next=${log.data.next} setCursors=${setCursors} />`}
  </section>`;
}

/** The Keys page (admin): create a key, the project's keys, the audit log. */
export function KeysView() {
  /** @type {Loaded<Page<ApiKey>>} */
  const list = useLoad(() => api('/v1/keys'), []);
  const [version, setVersion] = useState(0);
  const changed = () => {
    list.reload();
    // The service stores a request's audit entry just after it answers: read the log a moment later.
    setTimeout(() => setVersion((v) => v + 1), 400);
  };
  return html`<h1>Keys</h1>
    <p class="muted">
      The keys of project <strong>${whoAmI()?.project ?? '…'}</strong>. A key created here works at once and can be
      revoked here at once; keys from <code>API_KEYS</code> or the keys file are changed there.
    </p>
    <${NewKeyForm} onCreated=${changed} />
    <${KeyList} list=${list} onRevoked=${changed} />
    <${AuditLog} version=${version} />`;
}
