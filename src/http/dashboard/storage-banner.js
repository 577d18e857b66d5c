// The store's free space, from /readyz: a banner while DATA_DIR is below its floor (uploads and
// model saves may fail with 507) or takes no write at all; nothing while space is fine.
import { useEffect, useState } from 'preact/hooks';
import { html } from './ui.js';

const EVERY_MS = 60_000;
/** @param {number} b */
const mib = (b) => `${(b / 1024 / 1024).toFixed(b < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

/**
 * What /readyz says about the store (the fields the banner reads).
 * @typedef {{
 *   checks?: { dataDir?: { ok?: boolean } },
 *   disk?: { low?: boolean, freeBytes: number, totalBytes: number, freePercent: number },
 * }} Readiness
 */

/** @returns {Promise<Readiness>} */
async function readiness() {
  const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
  return res.json().catch(() => ({}));
}

/**
 * What the banner says, or undefined when storage is fine (exported for its test).
 * @param {Readiness | undefined} ready
 */
export function storageNotice(ready) {
  const writable = ready?.checks?.dataDir?.ok;
  if (writable === false) {
    return 'The store takes no writes (the volume of DATA_DIR may be full): uploads and training cannot save anything until space is freed.';
  }
  const disk = ready?.disk;
  if (!disk?.low) return undefined;
  return (
    `Storage is low: ${mib(disk.freeBytes)} free of ${mib(disk.totalBytes)} (${disk.freePercent.toFixed(1)}%) on DATA_DIR. ` +
    'Uploads and model saves may fail: delete datasets, base models or models you no longer need, or enlarge the volume.'
  );
}

/** @param {{ route: string }} props the route, so that a new page checks again */
export function StorageBanner({ route }) {
  const [notice, setNotice] = useState(/** @type {string | undefined} */ (undefined));
  useEffect(() => {
    let live = true;
    const check = () =>
      readiness()
        .then((r) => live && setNotice(storageNotice(r)))
        .catch(() => undefined);
    check();
    const timer = setInterval(check, EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [route]);
  return notice
    ? html`<p class="note storage-low" role="status" data-testid="storage-banner">${notice}</p>`
    : null;
}
