// The dashboard: hash routes (so the service serves one page), the key prompt, the layout.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { SEE_MODEL, can, gate, rolesText, useWhoAmI } from './access.js';
import { apiKey, onUnauthorized } from './api.js';
import { Loading, html, inputValue } from './ui.js';
import { AdvisorView } from './views/advisor.js';
import { AuditView } from './views/audit.js';
import { BaseModelsView, LayersView } from './views/base-models.js';
import { BatchView, BatchesView } from './views/batch.js';
import { DatasetView, DatasetsView } from './views/datasets.js';
import { JobView, JobsView } from './views/jobs.js';
import { KeysView } from './views/keys.js';
import { ModelView, ModelsView } from './views/models.js';
import { ModelPicker, PredictOnlyView } from './views/predict-only.js';
import { ReviewView } from './views/review.js';
import { NewJobView } from './views/new-job/index.js';
import { StorageBanner } from './storage-banner.js';
/** @import { Access, Me } from './access.js' */

/** @typedef {{ parts: string[], query: Record<string, string> }} Route */

/** @returns {Route} */
function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const [path = '', search = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean), query: Object.fromEntries(new URLSearchParams(search)) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/**
 * The page a bare URL opens: the datasets, or the models for a key that can only predict.
 * @returns {string}
 */
const home = () => (can(['read', 'train']) ? 'datasets' : 'models');

/**
 * A model's page: the whole of it with read, the Try it form alone for a key that can only
 * predict (its page is read from the model's OIP metadata).
 * @param {string} id
 */
function modelPage(id) {
  if (can('read')) return html`<${ModelView} id=${id} />`;
  return gate('predict', 'Model', () => html`<${PredictOnlyView} id=${id} />`);
}

/**
 * A section's list page, or the page of one of its records. Each page a key cannot use shows
 * a note instead (access.js); list pages with a form on them decide for themselves.
 * @param {string} section
 * @param {string | undefined} id
 * @param {Route} route
 */
function page(section, id, { parts, query }) {
  switch (section) {
    case 'datasets':
      return id
        ? gate('read', 'Dataset', () => html`<${DatasetView} id=${id} />`)
        : html`<${DatasetsView} />`;
    case 'base-models':
      return id
        ? gate('read', 'Layers', () => html`<${LayersView} id=${id} />`)
        : html`<${BaseModelsView} />`;
    case 'jobs':
      if (id === 'new')
        return gate('train', 'New training job', () => html`<${NewJobView} query=${query} />`);
      return gate('read', 'Jobs', () => (id ? html`<${JobView} id=${id} />` : html`<${JobsView} />`));
    case 'models':
      if (id && parts[2] === 'review') return gate('read', 'Review', () => html`<${ReviewView} id=${id} />`);
      if (id) return modelPage(id);
      return can('read')
        ? html`<${ModelsView} />`
        : gate('predict', 'Models', () => html`<${ModelPicker} />`);
    case 'batch-predictions':
      return gate(SEE_MODEL, 'Batch predictions', () =>
        id ? html`<${BatchView} id=${id} />` : html`<${BatchesView} />`,
      );
    case 'keys':
      return gate('admin', 'Keys', () => html`<${KeysView} />`);
    default:
      return undefined;
  }
}

/** @param {Route} route */
function view(route) {
  const [section = home(), id] = route.parts;
  const shown = page(section, id, route);
  if (shown) return shown;
  switch (section) {
    case 'advisor':
      return id
        ? gate('read', 'Advisor', () => html`<${AdvisorView} id=${id} />`)
        : html`<h1>Advisor</h1>
            <p>Ask the advisor from a dataset's page. <a href="#/datasets">Go to datasets</a>.</p>`;
    case 'audits':
      return id
        ? gate('read', 'Audit', () => html`<${AuditView} id=${id} />`)
        : html`<h1>Audits</h1>
            <p>Audit a dataset from its page. <a href="#/datasets">Go to datasets</a>.</p>`;
    default:
      return html`<h1>Not found</h1>
        <p>No page here. <a href="#/datasets">Go to datasets</a>.</p>`;
  }
}

/** The main navigation, each section with the roles that can use it (access.js). */
/** @type {[href: string, label: string, access: Access][]} */
const NAV = [
  ['datasets', 'Datasets', ['read', 'train']],
  ['base-models', 'Base models', ['read', 'train']],
  ['jobs/new', 'New job', 'train'],
  ['jobs', 'Jobs', 'read'],
  ['models', 'Models', SEE_MODEL],
  ['batch-predictions', 'Batch predictions', SEE_MODEL],
  ['keys', 'Keys', 'admin'],
];

/** @param {{ message: string | undefined, onKey: (key: string) => void }} props */
function KeyPrompt({ message, onKey }) {
  const [key, setKey] = useState('');
  const input = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => input.current?.focus(), []);
  return html`<section class="card key-prompt" aria-labelledby="key-title" data-testid="key-prompt">
    <h1 id="key-title">API key needed</h1>
    <p>
      This service requires an API key. It is kept in this browser tab only (session storage) and sent as a
      bearer token.
    </p>
    ${message && html`<p class="note error" role="alert">${message}</p>`}
    <form
      onSubmit=${(/** @type {Event} */ e) => {
        e.preventDefault();
        if (key.trim()) onKey(key.trim());
      }}
    >
      <div class="field">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          ref=${input}
          type="password"
          autocomplete="off"
          required
          value=${key}
          onInput=${inputValue(setKey)}
        />
      </div>
      <button type="submit" class="primary">Continue</button>
    </form>
  </section>`;
}

/**
 * Whether the key prompt shows and why; `session` counts keys given or forgotten, so that the
 * page under the prompt loads again with the new key.
 * @typedef {{ needed: boolean, message: string | undefined, session: number }} Auth
 */

/**
 * The prompt's state: shown when the service answers 401 (saying so when a key was refused).
 * @returns {[Auth, (update: (a: Auth) => Auth) => void]}
 */
function useAuth() {
  const [auth, setAuth] = useState(/** @type {Auth} */ ({ needed: false, message: undefined, session: 0 }));
  useEffect(
    () =>
      onUnauthorized((detail) => {
        const hadKey = Boolean(apiKey.get());
        apiKey.clear();
        setAuth((a) => ({
          ...a,
          needed: true,
          message: hadKey ? `The key was refused: ${detail ?? 'unauthorized'}` : a.message,
        }));
      }),
    [],
  );
  return [auth, setAuth];
}

/**
 * Who the key is, small in the header: "team-a · key a-read · read".
 * @param {{ me: Me | undefined }} props
 */
function WhoAmI({ me }) {
  if (!me) return null;
  const key = me.authenticated ? html`key <strong>${me.keyId}</strong>` : 'no key needed';
  return html`<p class="whoami" data-testid="whoami" aria-label="Signed in as">
    <span class="project" title="project">${me.project}</span>
    <span aria-hidden="true"> · </span><span class="key">${key}</span>
    <span aria-hidden="true"> · </span><span class="roles" title="roles">${rolesText(me)}</span>
  </p>`;
}

/**
 * The header: the brand, the main navigation (the current section marked; the sections the
 * key's roles reach), who the key is, the API docs and, with a key, the button that forgets it.
 * @param {{ route: Route, me: Me | undefined, onForget: () => void }} props
 */
function TopBar({ route, me, onForget }) {
  // A trained model's layer table lives under base-models/ but belongs to Models.
  const active = (route.parts.join('/') || home()).replace(/^base-models\/m_/, 'models/m_');
  /** @param {string} href */
  const current = (href) =>
    href === 'jobs'
      ? active === 'jobs' || (active.startsWith('jobs/') && active !== 'jobs/new')
      : active === href || active.startsWith(`${href}/`);
  return html`<header class="top">
    <a class="brand" href=${`#/${home()}`}>Transfer learning</a>
    <nav aria-label="Main">
      <ul>
        ${NAV.filter(([, , access]) => can(access)).map(
          ([href, label]) =>
            html`<li>
              <a href=${`#/${href}`} aria-current=${current(href) ? 'page' : undefined}>${label}</a>
            </li>`,
        )}
      </ul>
    </nav>
    <span class="spacer"></span>
    <${WhoAmI} me=${me} />
    <a href="/docs" class="muted-link">API docs</a>
    ${
      apiKey.get() &&
      html`<button type="button" class="link" onClick=${onForget}>
        Forget key
      </button>`
    }
  </header>`;
}

function App() {
  const route = useRoute();
  const [auth, setAuth] = useAuth();
  const who = useWhoAmI(auth.session);
  const main = useRef(/** @type {HTMLElement | null} */ (null));
  const first = useRef(true);

  // Move focus to the new page's content, as a page load would, except on the first render.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route]);

  return html`<a
      class="skip"
      href="#main"
      onClick=${(/** @type {Event} */ e) => {
        e.preventDefault();
        main.current?.focus();
      }}
      >Skip to content</a
    >
    <${TopBar}
      route=${route}
      me=${who.me}
      onForget=${() => {
        apiKey.clear();
        setAuth((a) => ({ needed: true, message: undefined, session: a.session + 1 }));
      }}
    />
    <main id="main" ref=${main} tabindex="-1">
      <${StorageBanner} route=${route.parts.join('/')} />
      ${
        auth.needed
          ? html`<${KeyPrompt}
              message=${auth.message}
              onKey=${(/** @type {string} */ key) => {
                apiKey.set(key);
                setAuth((a) => ({ needed: false, message: undefined, session: a.session + 1 }));
              }}
            />`
          : who.ready
            ? html`<div key=${`${auth.session}:${route.parts.join('/')}`}>${view(route)}</div>`
            : html`<${Loading} />`
      }
    </main>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
