// Choices made elsewhere (a base, its cut and fine-tune layers) that the New job form picks up.
/** @import { Draft } from './spec.js' */
const KEY = 'tls.jobDraft';

export const draft = {
  /** @returns {Draft} */
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
    } catch {
      return {};
    }
  },
  /** @param {Draft} patch */
  merge(patch) {
    sessionStorage.setItem(KEY, JSON.stringify({ ...draft.get(), ...patch }));
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};
