// What the key may do: who it is (GET /v1/me), and whether its roles reach an action, by the
// rules of src/http/route-access.ts. Views ask `can('train')` before they show a control, and
// `gate` shows a short note instead of a view whose data the key cannot read (its requests are
// then never made, so nothing answers 403).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './ui.js';
/** @import { ComponentChildren } from 'preact' */

/** @typedef {'read' | 'predict' | 'train' | 'admin'} Role */
/**
 * A rule of route-access.ts: one role, or any one of several. `admin` holds every role; no other
 * role implies another. What the dashboard does needs, as the server's table says:
 * - `read`: every list and page, downloads, comparing versions;
 * - `predict`: the Try it form, starting or cancelling a batch prediction;
 * - `train`: uploads, registering bases, new jobs, advisor runs, audits and dataset versions,
 *   capture settings, review labels, promotion and retraining, cancelling a job;
 * - `admin`: every delete;
 * - `read` or `predict` (SEE_MODEL): batch predictions, a model's OIP metadata.
 * @typedef {Role | readonly Role[]} Access
 */

/**
 * The answer of GET /v1/me; `authenticated: false` on a service with no keys (every role).
 * @typedef {{ keyId: string, project: string, roles: Role[], models?: string[], authenticated: boolean }} Me
 */

/** Batch predictions and a model's OIP metadata: what predicting needs to see (route-access.ts). */
export const SEE_MODEL = /** @type {const} */ (['read', 'predict']);

/** @type {Me | undefined} */
let current;

/** Who the key is, once the service said; undefined before, or where it could not say. */
export function whoAmI() {
  return current;
}

/**
 * Whether the key holds `access`. Before the service said who the key is, or on a service
 * without GET /v1/me, everything shows, as before keys had roles: the server still decides.
 * @param {Access} access
 */
export function can(access) {
  if (!current) return true;
  const roles = current.roles;
  if (roles.includes('admin')) return true;
  return (typeof access === 'string' ? [access] : access).some((r) => roles.includes(r));
}

/** @param {Access} access */
const roleText = (access) => (typeof access === 'string' ? access : access.join(' or '));

/**
 * Why something is not shown: "This key has no read role", and what it means here.
 * @param {{ access: Access, what?: string }} props
 */
export function NoAccess({ access, what }) {
  return html`<p class="note no-access" role="status" data-testid="no-access">
    This key has no ${roleText(access)} role${what ? `: ${what}` : ''}.
  </p>`;
}

/**
 * `render()` when the key holds `access`, else the page's title and the note.
 * @param {Access} access
 * @param {string} title
 * @param {() => ComponentChildren} render
 * @returns {ComponentChildren}
 */
export function gate(access, title, render) {
  return can(access)
    ? render()
    : html`<h1>${title}</h1>
        <${NoAccess} access=${access} what="its project's objects of this kind are not shown" />`;
}

/**
 * Asks the service who the key is, again whenever `session` changes (a key given or forgotten).
 * `ready` once it answered for this session (or failed other than 401: everything shows then);
 * a 401 leaves it unready, and api.js sends the page back to the key prompt.
 * @param {number} session
 * @returns {{ ready: boolean, me: Me | undefined }}
 */
export function useWhoAmI(session) {
  const [state, setState] = useState(
    /** @type {{ session: number, ready: boolean, me: Me | undefined }} */ ({
      session: -1,
      ready: false,
      me: undefined,
    }),
  );
  useEffect(() => {
    let live = true;
    current = undefined;
    /** @type {Promise<Me>} */
    const asked = api('/v1/me');
    asked.then(
      (me) => {
        if (!live) return;
        current = me;
        setState({ session, ready: true, me });
      },
      (/** @type {{ status?: number }} */ err) => {
        if (live) setState({ session, ready: err.status !== 401, me: undefined });
      },
    );
    return () => {
      live = false;
    };
  }, [session]);
  return state.session === session ? state : { ready: false, me: undefined };
}

/**
 * The roles as the header shows them: "read, train", a predict key's models beside it, and
 * "all roles" on a service with no keys.
 * @param {Me} me
 */
export function rolesText(me) {
  if (!me.authenticated) return 'all roles';
  return me.roles
    .map((r) => (r === 'predict' && me.models ? `predict (${me.models.join(', ')})` : r))
    .join(', ');
}
