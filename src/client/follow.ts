import { bodyOf, sseMessages, streamError } from './events.js';
import { problemFrom } from './problem.js';

export interface FollowOptions<T> {
  /** Called with the record on every `progress` event (and once with the final record). */
  onProgress?: (record: T) => void;
  signal?: AbortSignal;
  /** Reconnections after a stream that closed before its `end` event (default 5). */
  maxReconnects?: number;
}

interface Transport {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/**
 * Follows a job's (or advisor run's) event stream until its `end` event and answers the final
 * record, whatever its state: a failed job is an answer, not an exception (its `error` says
 * why). A stream that closes early (a proxy's timeout, a restart of the API) is picked up
 * again after a look at the record itself, which may already have ended.
 */
export async function followEvents<T extends { state: string }>(
  t: Transport,
  eventsPath: string,
  pollPath: string,
  o: FollowOptions<T>,
): Promise<T> {
  const maxReconnects = o.maxReconnects ?? 5;
  for (let attempt = 0; ; attempt++) {
    const res = await t.fetch(`${t.baseUrl}${eventsPath}`, {
      headers: { ...t.headers, accept: 'text/event-stream' },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    for await (const message of sseMessages(res)) {
      if (message.event === 'error') throw streamError(message);
      if (message.event !== 'progress' && message.event !== 'end') continue;
      const record = JSON.parse(message.data) as T;
      o.onProgress?.(record);
      if (message.event === 'end') return record;
    }
    const now = await t.fetch(`${t.baseUrl}${pollPath}`, { headers: t.headers });
    const record = (await bodyOf(now)) as T;
    if (!now.ok) throw problemFrom(now, record);
    if (ENDED.has(record.state)) {
      o.onProgress?.(record);
      return record;
    }
    if (attempt >= maxReconnects) {
      throw new Error(`the event stream of ${pollPath} closed ${attempt + 1} times before the end`);
    }
    await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
  }
}
