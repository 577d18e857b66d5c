// A record that changes on the server (a job, an advisor run), followed as it changes.
import { useEffect, useState } from 'preact/hooks';
import { api, sse } from './api.js';

/**
 * Follows `path` over its `/events` stream (fetch-streamed, so the API key goes along): first
 * the record itself when `readFirst`, then the data of every `progress` and `end` event. A stream
 * that closes without an end event is opened again 2 s later; a 404 or 401 stops with the error.
 */
export function useLiveRecord(path, { readFirst = false } = {}) {
  const [record, setRecord] = useState();
  const [error, setError] = useState();
  const [events, setEvents] = useState(0);
  const [reconnect, setReconnect] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer;
    const again = () => {
      timer = setTimeout(() => setReconnect((n) => n + 1), 2000);
    };
    (async () => {
      try {
        if (readFirst) setRecord(await api(path, { signal: abort.signal }));
        for await (const m of sse(`${path}/events`, abort.signal)) {
          if (m.event === 'progress' || m.event === 'end') {
            setRecord(m.data);
            setEvents((n) => n + 1);
          }
          if (m.event === 'end') return;
        }
        if (!abort.signal.aborted) again();
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err.status === 404 || err.status === 401) setError(err);
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
