// Choices made elsewhere (a base, its cut and fine-tune layers) that the New job form picks up.
const KEY = 'tls.jobDraft';

export const draft = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
    } catch {
      return {};
    }
  },
  merge(patch) {
    sessionStorage.setItem(KEY, JSON.stringify({ ...draft.get(), ...patch }));
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};
