// A record that changes on the server (a job, an advisor run), followed as it changes.
import { useEffect, useState } from 'preact/hooks';
import { api, sse } from './api.js';

/**
 * Follows `path` over its `/events` stream (fetch-streamed, so the API key goes along): first
 * the record itself when `readFirst`, then the data of every `progress` and `end` event. A stream
 * that closes without an end event is opened again 2 s later; a 404 or 401 stops with the error.
 * `T` is the record's shape, which the caller states as for `api`.
 * @template T
 * @param {string} path
 * @param {{ readFirst?: boolean }} [options]
 */
export function useLiveRecord(path, { readFirst = false } = {}) {
  const [record, setRecord] = useState(/** @type {T | undefined} */ (undefined));
  const [error, setError] = useState(/** @type {unknown} */ (undefined));
  const [events, setEvents] = useState(0);
  const [reconnect, setReconnect] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const again = () => {
      timer = setTimeout(() => setReconnect((n) => n + 1), 2000);
    };
    (async () => {
      try {
        if (readFirst) setRecord(await api(path, { signal: abort.signal }));
        for await (const m of sse(`${path}/events`, abort.signal)) {
          if (m.event === 'progress' || m.event === 'end') {
            setRecord(/** @type {T} */ (m.data));
            setEvents((n) => n + 1);
          }
          if (m.event === 'end') return;
        }
        if (!abort.signal.aborted) again();
      } catch (err) {
        if (abort.signal.aborted) return;
        const status = /** @type {{ status?: number }} */ (err).status;
        if (status === 404 || status === 401) setError(err);
        else again();
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, reconnect]);
  return { record, setRecord, error, events };
}
